/**
 * Says that peers without the farm's key were refused: the first time at
 * once, then at most once per `everyMs` with how many since. A peer that
 * retries every second must not fill the log (or the dashboard).
 */
export class RefusalLog {
  private last = -Infinity
  private unsaid = 0

  constructor (private readonly say: (message: string) => void, private readonly everyMs = 60_000, private readonly now = () => Date.now()) {}

  refused (): void {
    this.unsaid++
    if (this.now() - this.last < this.everyMs) return
    this.say(`refused ${this.unsaid === 1 ? 'a connection' : `${this.unsaid} connections`} from a peer without this farm's key (or with another farm's)`)
    this.unsaid = 0
    this.last = this.now()
  }
}
