import test from 'ava'
import { formatFarms } from '../../../../src/cli/commands/farms.js'

const PEER = '12D3KooWHereHereHereHereHereHereHereHereHere2'

test('one line a farm: name, open or private, short peer id, first address without the peer id and how many more, where it was seen', (t) => {
  const text = formatFarms([
    { name: 'test', peerId: PEER, addresses: [`/ip4/127.0.0.1/tcp/9090/p2p/${PEER}`, `/ip4/192.168.1.5/tcp/9090/p2p/${PEER}`], private: true, sources: ['local', 'mdns'] },
    { peerId: PEER, addresses: [`/ip4/10.0.0.9/tcp/9090/p2p/${PEER}`], private: false, sources: ['known'] },
  ], 1000)
  t.deepEqual(text.split('\n'), [
    'FARM       ACCESS   PEER           ADDRESS                       FOUND',
    'test       private  12D3Ko…eHere2  /ip4/127.0.0.1/tcp/9090 (+1)  this machine, mDNS',
    '(unnamed)  open     12D3Ko…eHere2  /ip4/10.0.0.9/tcp/9090        used last',
  ])
})

test('no farm: what was looked at, for how long, and what to check', (t) => {
  const text = formatFarms([], 1500)
  t.regex(text, /^no farms found: none known on this machine, none answered on mDNS within 1\.5 s\. Is `microfarm coordinator` running on this network\?/)
  t.regex(text, /pass --coordinator/)
})
