/**
 * A client's own client-side-caching state (CLIENT TRACKING's flags, redirect and BCAST
 * prefixes), apart from the tracking table (tracking.ts) that sends the invalidations:
 * the client and the command context carry it without knowing the table.
 */
/** CLIENT TRACKING's option flags. */
export interface TrackingOptions {
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
}

/**
 * One client's tracking state (Redis's CLIENT_TRACKING* flags). Kept after tracking is
 * turned off (with `on` false), as Redis keeps the redirect id, for invalidations still
 * pending when it was turned off inside a transaction.
 */
export class ClientTracking {
  on = false;
  /** client id invalidations go to; 0 = this client itself */
  redirect = 0;
  bcast = false;
  optin = false;
  optout = false;
  noloop = false;
  /** CLIENT CACHING YES (optin) / NO (optout) was given for the next command */
  caching = false;
  /** the redirect target was gone when a message had to be sent (flag R) */
  brokenRedirect = false;
  /** BCAST prefixes, kept in byte order (CLIENT TRACKINGINFO lists them so) */
  prefixes: string[] = [];
}
