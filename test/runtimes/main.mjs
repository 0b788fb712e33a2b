// Entry for the runtimes with a command line (Node, Bun, Deno): `<runtime> main.mjs <registry> <user> <password>`
// prints the scenario's results as one line of JSON.
import { runScenario } from './scenario.mjs';

const [registry, username, password] = typeof Deno === 'undefined' ? process.argv.slice(2) : Deno.args;
const runtime = typeof Deno !== 'undefined' ? 'deno' : typeof Bun !== 'undefined' ? 'bun' : 'node';
console.log(JSON.stringify(await runScenario({ registry, alice: { username, password }, runtime })));
