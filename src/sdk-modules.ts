import {createRequire} from 'node:module'

/**
 * The AWS SDK's packages, each loaded when a command first needs it, with require() rather than import(). They are
 * CommonJS: an import() of one from an ES module makes Node.js read its source, and that of every package it
 * re-exports, to find their export names (cjs-module-lexer) before it runs them; Debian's and Ubuntu's Node.js 20 do
 * that with a lexer written in JavaScript, which V8 then compiles on another thread. Loading client-sts and
 * credential-providers (whoami) cost 66 ms more (127 ms more CPU) by import() than by require() on this machine's
 * Node.js 20, 6 ms more on Node.js 24. require() runs the same files and gives the same module objects.
 */
const load = createRequire(import.meta.url)

export const clientSts = (): typeof import('@aws-sdk/client-sts') => load('@aws-sdk/client-sts')
export const clientSso = (): typeof import('@aws-sdk/client-sso') => load('@aws-sdk/client-sso')
export const clientSsoOidc = (): typeof import('@aws-sdk/client-sso-oidc') => load('@aws-sdk/client-sso-oidc')
export const clientIam = (): typeof import('@aws-sdk/client-iam') => load('@aws-sdk/client-iam')
export const credentialProviders = (): typeof import('@aws-sdk/credential-providers') => load('@aws-sdk/credential-providers')
/** The SDK's shared-config reader (the very module its clients use: the `node` condition is its CommonJS build). */
export const smithyConfig = (): typeof import('@smithy/core/config') => load('@smithy/core/config')
