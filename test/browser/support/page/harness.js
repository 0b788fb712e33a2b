// Runs in the page: auth fetches by id, driven from the tests with page.evaluate. Plain JS, no build step.
import * as sdk from 'oci-auth-fetch';

/** Added to Date.now() by the auth fetches created with `useClock` (token expiry tests). */
let clockOffsetMs = 0;
/** id -> { authFetch, events } */
const instances = new Map();

/** A thrown value as plain data (errors do not survive page.evaluate). */
function describeError(error) {
  const out = {
    name: error?.name ?? typeof error,
    message: error?.message ?? String(error),
    isOciAuthError: error instanceof sdk.OciAuthError,
    isTypeError: error instanceof TypeError,
  };
  for (const field of ['code', 'realm', 'status', 'serverCode', 'serverMessage']) {
    if (error?.[field] !== undefined) out[field] = error[field];
  }
  if (error?.cause !== undefined) out.cause = `${error.cause?.name}: ${error.cause?.message}`;
  return out;
}

/** An event as plain data: the error event's error becomes its code. */
function describeEvent(event) {
  return event.type === 'error' ? { ...event, error: event.error.code } : { ...event };
}

const HEADERS = ['content-type', 'docker-content-digest', 'www-authenticate'];

async function run(id, url, init) {
  const instance = instances.get(id);
  if (!instance) throw new Error(`no auth fetch "${id}": call create first`);
  try {
    const response = await instance.authFetch(url, init ?? undefined);
    const headers = {};
    for (const name of HEADERS) {
      const value = response.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    return {
      ok: true,
      response: {
        status: response.status,
        url: response.url,
        redirected: response.redirected,
        headers,
        body: await response.text(),
      },
    };
  } catch (error) {
    return { ok: false, error: describeError(error) };
  }
}

window.harness = {
  /** createAuthFetch with JSON options; `useClock` swaps in the adjustable clock. */
  create(id, options = {}) {
    const { useClock, ...rest } = options;
    const events = [];
    const authFetch = sdk.createAuthFetch({
      ...rest,
      ...(useClock ? { now: () => Date.now() + clockOffsetMs } : {}),
      onEvent: (event) => events.push(describeEvent(event)),
    });
    instances.set(id, { authFetch, events });
  },
  advanceClock(ms) {
    clockOffsetMs += ms;
  },
  fetch: run,
  /** All at once (concurrent), results in request order. */
  fetchAll(id, requests) {
    return Promise.all(requests.map(({ url, init }) => run(id, url, init)));
  },
  events(id) {
    return instances.get(id)?.events ?? [];
  },
  /** A fetch made by the page itself, without the SDK (what the browser lets JS see). */
  async rawFetch(url, init) {
    try {
      const response = await fetch(url, init ?? undefined);
      return {
        ok: true,
        response: {
          status: response.status,
          headers: { 'www-authenticate': response.headers.get('www-authenticate') },
        },
      };
    } catch (error) {
      return { ok: false, error: describeError(error) };
    }
  },
};
window.harnessReady = true;
