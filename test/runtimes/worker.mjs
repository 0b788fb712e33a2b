// Entry for workerd (Cloudflare Workers): `GET /?registry=<origin>&user=<user>&password=<password>` answers with
// the scenario's results as JSON.
import { runScenario } from './scenario.mjs';

export default {
  async fetch(request) {
    const params = new URL(request.url).searchParams;
    const alice = { username: params.get('user'), password: params.get('password') };
    return Response.json(await runScenario({ registry: params.get('registry'), alice, runtime: 'workerd' }));
  },
};
