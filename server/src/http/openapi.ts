/**
 * The OpenAPI document (`GET /v1/openapi.json`), made from the route schemas
 * by @fastify/swagger. What the schemas cannot say is added here, once, so a
 * generated client (openapi-typescript, openapi-fetch) reaches every route:
 * the object routes' wildcard becomes a named `{path}` parameter, every
 * operation gets an `operationId`, the WebSocket route is listed, and
 * doc-only bodies (a raw upload) come from the route's `config.openapi`.
 * Who may call a route (`security`) is set by the scope that registers it
 * (see routes/projects/index.ts); routes that take no token say `security: []`.
 */
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import { version } from '../version.ts';

/** A bearer token is required: admin and service-role routes. */
export const bearerRequired = [{ bearer: [] }];
/** No token, or any token: rules (or the route) decide what each caller may do. */
export const bearerOptional = [{}, { bearer: [] }];
/** The route takes no token (signing in, health). */
export const noBearer: never[] = [];

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What the OpenAPI document shows that the route schema cannot validate (a streamed raw body, a binary reply). */
    openapi?: { body?: unknown; consumes?: string[]; response?: Record<number, unknown> };
  }
}

/** A binary body or reply of any content type, for the document. */
export function binary(description: string, contentType = '*/*'): { description: string; content: Record<string, { schema: unknown }> } {
  return { description, content: { [contentType]: { schema: { type: 'string', format: 'binary' } } } };
}

/** The object routes' trailing wildcard, and the name clients give it. */
const wildcard = /\/\*$/;
const objectPath = {
  type: 'string',
  description: 'the object path: segments separated by unescaped "/" (each segment percent-encoded on its own; an encoded "/" is refused)',
};

export const swaggerOptions: FastifyDynamicSwaggerOptions = {
  openapi: {
    openapi: '3.1.0',
    info: { title: 'baas API', version, description: 'Collections with rules, auth, storage and realtime, for many projects.' },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'an admin token (adm_...), a project secret key (sk_...), or a user access token' },
      },
    },
    security: bearerRequired,
  },
  refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  transform: ({ schema, url, route }) => {
    const method = (Array.isArray(route.method) ? route.method[0] : route.method).toLowerCase();
    const extra = route.config?.openapi;
    let out: Record<string, any> = { ...schema };
    if (wildcard.test(url)) {
      url = url.replace(wildcard, '/{path}');
      const params = (out.params ?? { type: 'object', properties: {} }) as { properties: Record<string, unknown>; required?: string[] };
      out.params = { ...params, properties: { ...params.properties, path: objectPath }, required: [...(params.required ?? []), 'path'] };
    }
    // @fastify/websocket hides its routes; the upgrade is part of the API.
    if (route.websocket) out = { ...out, hide: false, response: { 101: { description: 'Switching Protocols: the socket speaks the realtime protocol (docs/realtime.md)', type: 'null' } } };
    if (extra?.body) out = { ...out, body: extra.body, consumes: extra.consumes };
    if (extra?.response) out = { ...out, response: { ...extra.response, ...out.response } };
    out.operationId ??= operationIdOf(method, url);
    return { schema: out, url };
  },
};

/**
 * A stable operationId from the method and the path: the static segments in
 * camelCase, and a trailing parameter as `By<Name>` (project routes drop their
 * common prefix, admin routes keep `admin`):
 * `GET /v1/projects/{project}/collections/{name}/records/{id}` → `getCollectionsRecordsById`.
 */
export function operationIdOf(method: string, url: string): string {
  const segments = url.replace(/^\/v1\/(projects\/[:{]project}?\/?)?/, '').split('/').filter(Boolean);
  const words = segments.map((segment, i) => {
    const param = /^[:{](\w+)}?$/.exec(segment)?.[1];
    if (param) return i === segments.length - 1 ? `By${capitalize(param)}` : '';
    return segment.split(/[^A-Za-z0-9]+/).filter(Boolean).map(capitalize).join('');
  });
  return method + words.join('');
}

function capitalize(word: string): string {
  return word[0].toUpperCase() + word.slice(1);
}
