// The seam that decides whether an idTag may charge. The local CSMS asks it for
// Authorize, StartTransaction and StopTransaction; the upstream service replaces the
// local policy with "ask the cloud, else the local list and cache".
import type { IdTagInfo } from '../ocpp/v16/types.js';

export interface Authorizer {
  /** Must answer promptly and never throw: chargers are answered online or offline. */
  /** `idToken`: the 2.0.1 token the idTag stands for, when the charger gave one (a 2.0.1 cloud is asked with it). */
  authorize(request: { chargerId: string; idTag: string; idToken?: { idToken: string; type: string }; connectorId?: number; purpose: 'Authorize' | 'StartTransaction' | 'StopTransaction' }): Promise<IdTagInfo>;
}

export interface LocalPolicy {
  policy: 'accept-all' | 'local-list';
  idTags: string[];
}

/** Accept everyone, or exactly the configured idTags (OCPP idTags compare case-insensitively). */
export class LocalPolicyAuthorizer implements Authorizer {
  private readonly tags: Set<string>;
  constructor(private readonly policy: LocalPolicy) {
    this.tags = new Set(policy.idTags.map((t) => t.toLowerCase()));
  }

  async authorize({ idTag }: { idTag: string }): Promise<IdTagInfo> {
    if (this.policy.policy === 'accept-all' || this.tags.has(idTag.toLowerCase())) return { status: 'Accepted' };
    return { status: 'Invalid' };
  }
}
