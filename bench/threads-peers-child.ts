// The threads section's Node peer figures at one thread count, in a process of their own (TF.js
// and ORT fix their thread count once per process): `node --import tsx bench/threads-peers-child.ts
// '{"threads":2,"quick":false,"filter":[]}'` prints progress to stderr, then the result as JSON on
// the last line of stdout. A file, not `node -e`: ORT's worker threads inherit the parent's flags,
// and --input-type stops them loading their own file.
import { measurePeers, type PeerOptions } from './threads-peers.js';

const request = JSON.parse(process.argv[2] ?? '') as PeerOptions;
const run = await measurePeers(request, (line) => process.stderr.write(`  node ${line}\n`));
console.log(JSON.stringify(run));
process.exit(0); // ORT's pthread workers would keep the process alive
