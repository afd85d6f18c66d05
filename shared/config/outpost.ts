/**
 * Outpost's built-in sections: `hub` (edge side: where to stream and how to authenticate) and
 * `edges` (hub side: which edges may connect, each with its token). Registered on import.
 *
 *     hub: {url: wss://hub.example:9090, token_file: hub.token, tls_config: {ca_file: ca.pem}}
 *     edges: {tokens: [{name: edge-a, token: "…"}, {name: edge-b, token_file: b.token}]}
 */
import { parseTLSConfig, type TLSConfig } from './http-client.ts';
import { registerSection } from './sections.ts';
import type { Fields, YamlValue } from './yaml-value.ts';

/** HubConfig: the edge's uplink. Exactly one of token and tokenFile is set. */
export interface HubConfig {
  /** A ws:// or wss:// URL. */
  readonly url: string;
  readonly token: string;
  /** Resolved against the config file's directory; read when connecting. */
  readonly tokenFile: string;
  readonly tlsConfig: TLSConfig;
}

/** EdgeToken: one edge allowed to connect. Exactly one of token and tokenFile is set. */
export interface EdgeToken {
  readonly name: string;
  readonly token: string;
  readonly tokenFile: string;
}

export interface EdgesConfig {
  readonly tokens: readonly EdgeToken[];
}

declare module './sections.ts' {
  interface SectionTypes {
    hub: HubConfig;
    edges: EdgesConfig;
  }
}

/** readToken reads the token / token_file pair of `f`; checkToken then requires exactly one. */
function readToken(f: Fields): { token: string; tokenFile: string } {
  return { token: f.opt('token', (x) => x.str(), ''), tokenFile: f.opt('token_file', (x) => x.file(), '') };
}

function checkToken(t: { token: string; tokenFile: string }, f: Fields, where: YamlValue): void {
  if (t.token !== '' && t.tokenFile !== '') f.at('token_file').fail('at most one of token and token_file must be configured');
  if (t.token === '' && t.tokenFile === '') where.fail('one of token or token_file must be configured');
}

/** parseHub reads the `hub` section. */
export function parseHub(v: YamlValue): HubConfig {
  const f = v.fields();
  const urlV = f.get('url');
  if (!urlV) v.fail('url is required');
  const url = urlV.url(['ws:', 'wss:']);
  const hub: HubConfig = { url, ...readToken(f), tlsConfig: parseTLSConfig(f.get('tls_config')) };
  f.done();
  checkToken(hub, f, v);
  return hub;
}

/** parseEdges reads the `edges` section: names unique, tokens not shared between edges. */
export function parseEdges(v: YamlValue): EdgesConfig {
  const f = v.fields();
  const names = new Set<string>();
  const tokens = new Map<string, string>();
  const list = (f.get('tokens')?.list() ?? []).map((item) => {
    const tf = item.fields();
    const name = tf.opt('name', (x) => x.str(), '');
    if (name === '') tf.at('name').fail('edge name is empty');
    if (names.has(name)) tf.at('name').fail(`found multiple edges named ${JSON.stringify(name)}`);
    names.add(name);
    const t = readToken(tf);
    tf.done();
    checkToken(t, tf, item);
    if (t.token !== '') {
      const other = tokens.get(t.token);
      if (other !== undefined) tf.at('token').fail(`edge ${JSON.stringify(name)} has the same token as edge ${JSON.stringify(other)}`);
      tokens.set(t.token, name);
    }
    return { name, ...t };
  });
  f.done();
  return { tokens: list };
}

registerSection('hub', (v) => parseHub(v));
registerSection('edges', (v) => parseEdges(v));
