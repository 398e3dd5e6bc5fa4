/**
 * What IAM's DeleteUser needs removed first (its API reference, "Deleting an IAM user"): unlike the console, the
 * API refuses to delete a user that still has a password, access keys, signing certificates, SSH public keys,
 * Git credentials, MFA devices, inline or attached policies, or group memberships. Each kind has a list call and
 * a delete call; the commands list and remove every one (POSIX sh loops, AWS CLI `--query`, no jq), then delete
 * the user. Each loop does nothing where the user has none of that kind.
 */
const EACH: Array<{list: string; query: string; variable: string; remove: (user: string, v: string) => string}> = [
  {
    list: 'list-access-keys',
    query: 'AccessKeyMetadata[].AccessKeyId',
    variable: 'id',
    remove: (u, v) => `aws iam delete-access-key --user-name ${u} --access-key-id "${v}"`,
  },
  {
    list: 'list-signing-certificates',
    query: 'Certificates[].CertificateId',
    variable: 'id',
    remove: (u, v) => `aws iam delete-signing-certificate --user-name ${u} --certificate-id "${v}"`,
  },
  {
    list: 'list-ssh-public-keys',
    query: 'SSHPublicKeys[].SSHPublicKeyId',
    variable: 'id',
    remove: (u, v) => `aws iam delete-ssh-public-key --user-name ${u} --ssh-public-key-id "${v}"`,
  },
  {
    list: 'list-service-specific-credentials',
    query: 'ServiceSpecificCredentials[].ServiceSpecificCredentialId',
    variable: 'id',
    remove: (u, v) => `aws iam delete-service-specific-credential --user-name ${u} --service-specific-credential-id "${v}"`,
  },
  {
    // Deactivating detaches the device from the user; a virtual device is then deleted too.
    list: 'list-mfa-devices',
    query: 'MFADevices[].SerialNumber',
    variable: 'sn',
    remove: (u, v) =>
      `aws iam deactivate-mfa-device --user-name ${u} --serial-number "${v}"; aws iam delete-virtual-mfa-device --serial-number "${v}"`,
  },
  {
    list: 'list-user-policies',
    query: 'PolicyNames[]',
    variable: 'name',
    remove: (u, v) => `aws iam delete-user-policy --user-name ${u} --policy-name "${v}"`,
  },
  {
    list: 'list-attached-user-policies',
    query: 'AttachedPolicies[].PolicyArn',
    variable: 'arn',
    remove: (u, v) => `aws iam detach-user-policy --user-name ${u} --policy-arn "${v}"`,
  },
  {
    list: 'list-groups-for-user',
    query: 'Groups[].GroupName',
    variable: 'group',
    remove: (u, v) => `aws iam remove-user-from-group --user-name ${u} --group-name "${v}"`,
  },
]

/** The commands that delete an IAM user, in an order IAM accepts: what it holds, then the user. */
export function deleteUserCommands(user: string): string[] {
  const lines = [`# DeleteUser fails while ${user} has anything below left: remove it all, then the user`]
  lines.push(...EACH.slice(0, 5).map((e) => loop(user, e)))
  // The console password: NoSuchEntity when the user has none (nothing to do).
  lines.push(`aws iam delete-login-profile --user-name ${user}`)
  lines.push(...EACH.slice(5).map((e) => loop(user, e)))
  lines.push(`aws iam delete-user --user-name ${user}`)
  return lines
}

function loop(user: string, e: (typeof EACH)[number]): string {
  return `for ${e.variable} in $(aws iam ${e.list} --user-name ${user} --query '${e.query}' --output text); do ${e.remove(user, `$${e.variable}`)}; done`
}
