// Free loopback ports for the servers, chosen once in Playwright's main
// process and kept in the environment, which its workers inherit.
import { execSync } from 'node:child_process';

export function freePorts(name: string, count: number): string[] {
  if (!process.env[name]) {
    process.env[name] = execSync(
      `node -e "const n=require('net');const ps=[];let k=${count};for(let i=0;i<${count};i++){const s=n.createServer();s.listen(0,'127.0.0.1',()=>{ps.push(s.address().port);if(--k===0){console.log(ps.join(','));process.exit(0)}})}"`,
    )
      .toString()
      .trim();
  }
  return process.env[name]!.split(',');
}
