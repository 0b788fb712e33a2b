// Registry browser: catalog -> tags -> manifest, over oci-auth-fetch's ky client. No framework, no build step.
import { createRegistryClient, OciAuthError } from 'oci-auth-fetch';

const MANIFEST_TYPES = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
];
const INDEX_TYPES = new Set([MANIFEST_TYPES[0], MANIFEST_TYPES[2]]);

const $ = (selector) => document.querySelector(selector);
/** Element builder; text goes through textContent (registry data is never parsed as HTML). */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'onclick') node.addEventListener('click', value);
    else node.setAttribute(name, value);
  }
  node.append(...children.map((child) => (typeof child === 'string' ? document.createTextNode(child) : child)));
  return node;
}

/** 1536 -> "1.5 KiB". */
export function formatSize(bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

const shortDigest = (digest) => digest.replace(/^(sha256:)?([0-9a-f]{12})[0-9a-f]+$/, '$1$2…');
const shortType = (mediaType) =>
  mediaType.replace(/^application\/vnd\.(oci\.image|docker\.image\.rootfs|docker)\./, '');

let client;
let repository;

function setStatus(text, kind = 'info') {
  const status = $('#status');
  status.textContent = text;
  status.dataset.kind = kind;
}

/** What went wrong, in words: the SDK's typed errors, or the registry's own error body. */
function describeError(error) {
  if (error instanceof OciAuthError) return `${error.code}: ${error.message}`;
  if (error?.name === 'HTTPError' && error.response) {
    // ky has read the body into `data` (distribution errors: {"errors": [{code, message}]}).
    const first = error.data?.errors?.[0];
    return `HTTP ${error.response.status}${first ? ` ${first.code}: ${first.message}` : ''}`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The SDK's events, one line each (they never hold a secret). */
function logEvent(event) {
  let text = event.type;
  if (event.type === 'challenge') text = `401 challenge: ${event.scheme} ${event.scopes.join(' ')}`;
  if (event.type === 'token')
    text = `token ${event.source}${event.grant ? ` (${event.grant})` : ''} for ${event.scopes.join(' ') || '(no scope)'}, ${event.expiresIn}s`;
  if (event.type === 'retry') text = `retry ${event.method} ${new URL(event.url).pathname} (${event.reason})`;
  if (event.type === 'error') text = `error ${event.error.code}`;
  note(text);
}

function note(text) {
  const list = $('#activity ol');
  list.append(el('li', {}, text));
  while (list.children.length > 12) list.firstElementChild.remove();
}

function showList(section, items, onPick) {
  const list = $(`${section} .list`);
  list.replaceChildren(
    ...items.map((item) => el('li', {}, el('button', { type: 'button', onclick: () => onPick(item) }, item))),
  );
}

function selectButton(section, label) {
  for (const button of document.querySelectorAll(`${section} .list button`)) {
    button.classList.toggle('selected', button.textContent === label);
  }
}

async function connect(event) {
  event.preventDefault();
  const username = $('#username').value.trim();
  const password = $('#password').value;
  client = createRegistryClient({
    registry: $('#registry').value.trim(),
    credentials: username ? { username, password } : undefined,
    onEvent: logEvent,
    retry: 0,
  });
  $('#activity ol').replaceChildren();
  showList('#tags', [], () => {});
  $('#manifest .content').replaceChildren(el('p', { class: 'note' }, 'Pick a repository, then a tag.'));
  await loadCatalog(username);
}

async function loadCatalog(username) {
  const note = $('#repositories .note');
  note.hidden = true;
  setStatus('Listing repositories…');
  try {
    const { repositories } = await client.get('_catalog', { searchParams: { n: 100 } }).json();
    showList('#repositories', repositories, openRepository);
    setStatus(`Connected${username ? ` as ${username}` : ' anonymously'}: ${repositories.length} repositories.`, 'ok');
  } catch (error) {
    showList('#repositories', [], () => {});
    note.hidden = false;
    note.textContent = 'The catalog is not available to this account. Open a repository by name:';
    setStatus(`Catalog: ${describeError(error)}`, 'warn');
  }
}

async function openRepository(name) {
  repository = name;
  selectButton('#repositories', name);
  $('#tags-title').textContent = `Tags of ${name}`;
  setStatus(`Listing tags of ${name}…`);
  try {
    const { tags } = await client.get(`${name}/tags/list`).json();
    showList('#tags', tags ?? [], (tag) => openManifest(tag, tag));
    setStatus(`${name}: ${tags?.length ?? 0} tags.`, 'ok');
  } catch (error) {
    showList('#tags', [], () => {});
    setStatus(`Tags of ${name}: ${describeError(error)}`, 'error');
  }
}

async function openManifest(reference, label) {
  const name = repository;
  if (reference === label) selectButton('#tags', label);
  setStatus(`Fetching ${name}:${reference}…`);
  try {
    const response = await client.get(`${name}/manifests/${reference}`, {
      headers: { accept: MANIFEST_TYPES.join(', ') },
    });
    const digest = response.headers.get('docker-content-digest') ?? '';
    const manifest = await response.json();
    const mediaType = manifest.mediaType ?? response.headers.get('content-type') ?? '';
    const view = INDEX_TYPES.has(mediaType) ? indexView(manifest, label) : await imageView(manifest, name);
    $('#manifest-title').textContent = `${name}:${label}`;
    $('#manifest .content').replaceChildren(
      factList([['Media type', mediaType], ['Digest', digest, 'digest'], ...view.facts]),
      ...view.body,
    );
    setStatus(`${name}:${label} ${digest ? `(${shortDigest(digest)})` : ''}`, 'ok');
  } catch (error) {
    setStatus(`Manifest ${name}:${reference}: ${describeError(error)}`, 'error');
  }
}

/** `[[term, value, class?], …]` as a definition list. */
function factList(facts) {
  return el(
    'dl',
    { class: 'facts' },
    ...facts.flatMap(([term, value, cls]) => [el('dt', {}, term), el('dd', cls ? { class: cls } : {}, value)]),
  );
}

/** A table with a header row; `columns` are `[title, class?]`, rows are arrays of cells. */
function table(cls, columns, rows) {
  const head = el('tr', {}, ...columns.map(([title, c]) => el('th', c ? { class: c } : {}, title)));
  return el('table', { class: cls }, el('thead', {}, head), el('tbody', {}, ...rows));
}

/** A multi-platform index: one row per platform, each opening its image manifest. */
function indexView(index, tag) {
  const rows = index.manifests.map((m) => {
    const platform = m.platform ? `${m.platform.os}/${m.platform.architecture}` : '(no platform)';
    return el(
      'tr',
      {},
      el(
        'td',
        {},
        el('button', { type: 'button', onclick: () => openManifest(m.digest, `${tag} ${platform}`) }, platform),
      ),
      el('td', { class: 'digest' }, shortDigest(m.digest)),
      el('td', { class: 'size' }, formatSize(m.size)),
    );
  });
  return {
    facts: [],
    body: [
      el('h3', {}, `Platforms (${rows.length})`),
      table('platforms', [['Platform'], ['Digest'], ['Size', 'size']], rows),
    ],
  };
}

/** An image: its config (os, architecture, created; fetched from the blob store) and its layers with sizes. */
async function imageView(manifest, name) {
  const layers = manifest.layers ?? [];
  const total = layers.reduce((sum, layer) => sum + layer.size, 0);
  let config = {};
  try {
    config = await client.get(`${name}/blobs/${manifest.config.digest}`).json();
  } catch (error) {
    note(`config not loaded: ${describeError(error)}`);
  }
  const rows = layers.map((layer, i) =>
    el(
      'tr',
      {},
      el('td', {}, String(i + 1)),
      el('td', { class: 'digest', title: layer.digest }, shortDigest(layer.digest)),
      el('td', {}, shortType(layer.mediaType)),
      el('td', { class: 'size' }, formatSize(layer.size)),
      el('td', { class: 'bytes' }, layer.size.toLocaleString('en-US')),
    ),
  );
  return {
    facts: [
      ['Platform', config.os ? `${config.os}/${config.architecture}` : '?'],
      ['Created', config.created ?? '?'],
      ['Config', `${shortDigest(manifest.config.digest)} (${formatSize(manifest.config.size)})`, 'digest'],
    ],
    body: [
      el('h3', {}, `Layers (${layers.length}) · ${formatSize(total)}`),
      table('layers', [['#'], ['Digest'], ['Type'], ['Size', 'size'], ['Bytes', 'bytes']], rows),
    ],
  };
}

$('#connect').addEventListener('submit', (event) => void connect(event));
$('#open-repository').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = $('#repository-name').value.trim();
  if (client && name) void openRepository(name);
});

// Prefill: ?registry=… in the page URL, else the address the demo server announces.
const fromQuery = new URLSearchParams(location.search).get('registry');
const config = fromQuery
  ? { registry: fromQuery }
  : await fetch('/config.json').then(
      (r) => (r.ok ? r.json() : {}),
      () => ({}),
    );
$('#registry').value = config.registry ?? '';
document.body.dataset.ready = 'true';
