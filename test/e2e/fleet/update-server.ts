import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The admin's self-hosted update server: the update manifest Chrome polls (gupdate XML) and the CRX it
 * names. 127.0.0.1 on a random port; `requests` records what Chrome fetched, to tell "installed" from
 * "never asked".
 */
export interface UpdateServer {
  /** What the policy's `update_url` names. */
  updateUrl: string;
  requests: string[];
  close(): Promise<void>;
}

export async function startUpdateServer({ id, version, crxPath }: { id: string; version: string; crxPath: string }): Promise<UpdateServer> {
  const crx = readFileSync(crxPath);
  const requests: string[] = [];
  let origin = '';
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', origin);
    requests.push(url.pathname);
    if (url.pathname === '/updates.xml') {
      response.writeHead(200, { 'Content-Type': 'application/xml' });
      response.end(
        `<?xml version='1.0' encoding='UTF-8'?>\n<gupdate xmlns='http://www.google.com/update2/response' protocol='2.0'>\n` +
          `  <app appid='${id}'>\n    <updatecheck codebase='${origin}/ext.crx' version='${version}'/>\n  </app>\n</gupdate>\n`,
      );
    } else if (url.pathname === '/ext.crx') {
      response.writeHead(200, { 'Content-Type': 'application/x-chrome-extension', 'Content-Length': crx.length });
      response.end(crx);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    updateUrl: `${origin}/updates.xml`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
