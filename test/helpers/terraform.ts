/**
 * Terraform as an oracle of which credentials it uses: `terraform init` of an S3 backend resolves credentials with the
 * AWS SDK for Go v2 (through aws-sdk-go-base, as the AWS provider does) and checks them with STS GetCallerIdentity
 * before it reads any state. Pointed at the emulator (AWS_ENDPOINT_URL_STS, _S3, _SSO), the ARN STS answered is in
 * its debug log; the init itself then fails on the emulator's S3 (it has none), which does not matter here.
 * No provider is downloaded: the S3 backend is built into Terraform. Terraform is not a Debian package and cannot be
 * installed offline: where it is missing, the assertions that use it are skipped (this machine has Terraform 1.11).
 */
import {spawn} from 'node:child_process'
import {existsSync, mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

export const TERRAFORM = ['/usr/local/bin/terraform', '/usr/bin/terraform'].find((path) => existsSync(path))

const BACKEND = `terraform {
  backend "s3" {
    bucket         = "keyless-state"
    key            = "state.tfstate"
    region         = "us-east-1"
    use_path_style = true
  }
}
`

/** The ARN Terraform's credentials belong to (as STS told it), or the error line it printed instead. */
export async function terraformCaller(emulatorUrl: string, env: NodeJS.ProcessEnv): Promise<{arn?: string; error?: string}> {
  if (!TERRAFORM) throw new Error('no terraform installed')
  const dir = mkdtempSync(join(tmpdir(), 'keyless-terraform-'))
  writeFileSync(join(dir, 'main.tf'), BACKEND)
  const output = await new Promise<string>((resolve, reject) => {
    // Asynchronous on purpose: the emulator may answer from this very process.
    const child = spawn(TERRAFORM, ['init', '-input=false', '-no-color'], {
      cwd: dir,
      env: {
        ...env,
        TF_LOG: 'DEBUG',
        TF_IN_AUTOMATION: '1',
        CHECKPOINT_DISABLE: '1',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_ENDPOINT_URL_STS: emulatorUrl,
        AWS_ENDPOINT_URL_S3: emulatorUrl,
        AWS_ENDPOINT_URL_SSO: emulatorUrl,
      },
    })
    let text = ''
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()))
    const timer = setTimeout(() => child.kill(), 120_000)
    child.on('error', reject)
    child.on('close', () => {
      clearTimeout(timer)
      resolve(text)
    })
  })
  const arn = /<GetCallerIdentityResult><Arn>([^<]+)<\/Arn>/.exec(output)?.[1]
  if (arn) return {arn}
  const error = output.split('\n').find((line) => /^Error: /.test(line.trim()))
  return {error: error?.trim() ?? output.slice(-2000)}
}
