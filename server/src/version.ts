/** The version of baas, in backups and the OpenAPI document. */
export const version = '0.1.0';
