import { readdir, readFile } from 'node:fs/promises'

// What a live process holds, from /proc (Linux): resident memory and open
// file descriptors (files, sockets, pipes). Leak checks compare two readings.

export interface ProcessUsage {
  rssBytes: number
  fds: number
}

export async function processUsage (pid: number): Promise<ProcessUsage> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const rss = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]
  if (rss === undefined) throw new Error(`no VmRSS in /proc/${pid}/status`)
  const fds = (await readdir(`/proc/${pid}/fd`)).length
  return { rssBytes: Number(rss) * 1024, fds }
}

export function describeUsage (usage: ProcessUsage): string {
  return `${(usage.rssBytes / 2 ** 20).toFixed(1)} MB RSS, ${usage.fds} fds`
}
