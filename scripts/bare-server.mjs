#!/usr/bin/env node
// The floor for the benchmark: a bare node:http server that reads the request and answers a fixed
// JSON body, as small as a KMS answer. Usage: node scripts/bare-server.mjs <port>
import { createServer } from 'node:http';

const body = Buffer.from(
  JSON.stringify({ RequestId: '00000000-0000-4000-8000-000000000000', SecretName: 'bench', SecretData: 'x' }),
);
const server = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'application/json;charset=utf-8', 'Content-Length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
