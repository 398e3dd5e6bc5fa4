/**
 * The Debian AWS CLI 2.9 ignores AWS_ENDPOINT_URL. An AWS_DATA_PATH directory whose endpoint rule sets hold one
 * rule (the emulator's URL) points every sso-oidc, sso and sts call of it at the emulator, `aws sso login`
 * included (PRODUCT.md section 8).
 */
import {existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

/** Where awscli keeps its own botocore models (their rule-set parameters are copied, so the CLI accepts ours). */
const BOTOCORE_DATA = ['/usr/lib/python3/dist-packages/awscli/botocore/data', '/usr/lib/python3/dist-packages/botocore/data']

export const OVERRIDDEN_SERVICES = [
  {service: 'sso-oidc', version: '2019-06-10'},
  {service: 'sso', version: '2019-06-10'},
  {service: 'sts', version: '2011-06-15'},
] as const

/** The parameters every rule set declares when no installed model is found to copy them from. */
const FALLBACK_PARAMETERS = {
  Region: {builtIn: 'AWS::Region', required: false, type: 'String'},
  UseDualStack: {builtIn: 'AWS::UseDualStack', required: true, default: false, type: 'Boolean'},
  UseFIPS: {builtIn: 'AWS::UseFIPS', required: true, default: false, type: 'Boolean'},
  Endpoint: {builtIn: 'SDK::Endpoint', required: false, type: 'String'},
}

function installedParameters(service: string, version: string): unknown {
  for (const root of BOTOCORE_DATA) {
    const file = join(root, service, version, 'endpoint-rule-set-1.json')
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as {parameters: unknown}).parameters
  }
  return FALLBACK_PARAMETERS
}

/**
 * Writes `<dir>/{sso-oidc,sso}/2019-06-10/endpoint-rule-set-1.json` and `<dir>/sts/2011-06-15/...`, each with a
 * single unconditional endpoint rule for `url`. Returns the directory: set `AWS_DATA_PATH` to it.
 */
export function writeAwsDataPath(url: string, dir: string = mkdtempSync(join(tmpdir(), 'keyless-aws-data-'))): string {
  for (const {service, version} of OVERRIDDEN_SERVICES) {
    const ruleSet = {
      version: '1.0',
      parameters: installedParameters(service, version),
      rules: [{conditions: [], endpoint: {url, properties: {}, headers: {}}, type: 'endpoint'}],
    }
    const target = join(dir, service, version)
    mkdirSync(target, {recursive: true})
    writeFileSync(join(target, 'endpoint-rule-set-1.json'), `${JSON.stringify(ruleSet, null, 2)}\n`)
  }
  return dir
}
