// The AWS config file: paths, the lossless parser, the pure editors (SSO sessions, profiles), atomic I/O.
export * from './errors.js'
export * from './paths.js'
export * from './ini.js'
export * from './sso-sessions.js'
export * from './profiles.js'
export * from './atomic-write.js'
export {LineEditor, writeSectionKeys, type KeyWrite} from './line-editor.js'
export {removeStaticKeys, convertToKeylessProfile, sectionProfileName, STATIC_KEY_NAMES} from './remove-keys.js'
