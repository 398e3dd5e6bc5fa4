import {dirname} from 'node:path'

import type {Draft} from '../audit/types.js'

// Apart from audit-drafts.ts: every audit rates findings (severity.ts), and only --scan needs that file's YAML reader.

/** The title and fix of a `ci-static-key` finding: high, fixed by moving the job to OIDC. */
export function ciStaticKeyRule(draft: Draft): {severity: 'high'; title: string; fix: string} {
  const path = draft.path ?? ''
  const github = !path.endsWith('.gitlab-ci.yml')
  // The checkout holding .github/workflows/x.yml, for the command line.
  const repo = github ? dirname(dirname(dirname(path))) : dirname(path)
  const fix = github
    ? `move it to OIDC: run keyless ci oidc ${repo} (permissions: id-token: write and role-to-assume instead of the key), then delete the secrets and deactivate the key`
    : 'move it to OIDC: an id_tokens: token with aud sts.amazonaws.com and aws sts assume-role-with-web-identity, then delete the variables and deactivate the key'
  return {severity: 'high', title: draft.detail ?? 'a CI job gets a long-term key', fix}
}
