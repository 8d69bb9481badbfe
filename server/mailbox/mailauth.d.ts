// mailauth ships no types; these are the parts the mail store uses.
declare module "mailauth" {
  import type { Readable } from "node:stream";

  export interface AuthenticateOptions {
    ip?: string;
    helo?: string;
    sender?: string;
    mta?: string;
    resolver?: (name: string, type: string) => Promise<unknown>;
    disableArc?: boolean;
    disableDmarc?: boolean;
    disableBimi?: boolean;
  }

  export interface AuthResult {
    status: { result: string; comment?: string };
  }

  export interface AuthenticateResult {
    dkim: { results: AuthResult[] };
    spf: AuthResult | false;
    dmarc: (AuthResult & { policy?: string }) | false;
    /** Received-SPF and Authentication-Results lines, each ending in CRLF. */
    headers: string;
  }

  export function authenticate(
    message: Readable | Buffer | string,
    options?: AuthenticateOptions,
  ): Promise<AuthenticateResult>;
}

declare module "mailauth/lib/dkim/sign.js" {
  import type { Readable } from "node:stream";

  export function dkimSign(
    message: Readable | Buffer | string,
    options: {
      canonicalization?: string;
      /**
       * The t= time. Without it mailauth reads the clock twice, for the header it hashes and for the
       * header it writes, and the two differ when a half second passes between them (a bad signature).
       */
      signTime?: Date;
      signatureData: { signingDomain: string; selector: string; privateKey: string | Buffer; algorithm?: string }[];
    },
  ): Promise<{ signatures: string; errors: unknown[] }>;
}
