// npm run demo:browser [-- --port 8070]
// Serves the registry UI next to a seeded reference registry (CORS on) and prints the URL to open.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startDemo } from './demo-server.ts';
import { DEMO_USER } from './seed.ts';

const { values } = parseArgs({ options: { port: { type: 'string', default: '8070' } } });

if (!existsSync(new URL('../../dist/index.js', import.meta.url))) {
  console.error('dist/index.js is missing: run `npm run build` first (the page loads the built SDK).');
  process.exit(1);
}

const demo = await startDemo({ port: Number(values.port) }).catch(async (error: unknown) => {
  // The preferred port is taken: any free port will do, the URL is printed anyway.
  if ((error as { code?: string }).code === 'EADDRINUSE') return startDemo({ port: 0 });
  throw error;
});

console.log(`Registry UI:  ${demo.url}`);
console.log(`Registry:     ${demo.registry.url}  (token server ${demo.registry.realm})`);
console.log(
  `Log in as ${DEMO_USER.username} / ${DEMO_USER.password} to see team/* and the catalog; anonymous sees library/* by name.`,
);
console.log('Ctrl-C to stop.');

const stop = (): void => {
  void demo.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
