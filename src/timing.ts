// Every timing rule keyless follows, in one place, each with the reason it has this value.

/** Refresh an access token, and re-fetch role credentials, once less than this remains.
 * botocore refreshes credentials 15 minutes ahead and the JS SDK 5: serving anything with less
 * than 15 minutes left would make the AWS CLI call credential-process again straight away. */
export const EXPIRY_WINDOW_MS = 15 * 60 * 1000

/** `exec --server` replaces role credentials that arrived with EXPIRY_WINDOW_MS or less left (a short permission-set
 * session) once this fraction of the time they had is gone, not on every request: fetching again at once would only
 * bring more of the same, one GetRoleCredentials per SDK call (the JS SDK asks before each call under 5 minutes).
 * Half leaves the command's SDKs credentials with time to spare, at one fetch per half-life. */
export const SHORT_CREDENTIALS_REFETCH_FRACTION = 0.5

/** `keyless console` says on stderr what it is waiting for once the browser has not followed the sign-in link for
 * this long: a working browser does within a few seconds (a cold start included), so past this there is most likely
 * none (a desktop whose opener does nothing), and a silent wait of minutes reads as a hang. */
export const CONSOLE_BROWSER_NOTICE_MS = 10_000

/** Re-register the OIDC client this long before its secret expires, so a login never starts
 * with a registration that dies half-way through the device flow. */
export const REGISTRATION_EXPIRY_WINDOW_MS = 15 * 60 * 1000

/** Longest a single keychain call may take. A hung Secret Service (locked collection waiting
 * for a prompt nobody sees, dead D-Bus peer) must not hang every AWS command. */
export const KEYCHAIN_TIMEOUT_MS = Number(process.env.KEYLESS_KEYCHAIN_TIMEOUT_MS) || 5000

/** Longest a keychain call may take in all once the Secret Service has answered, past KEYCHAIN_TIMEOUT_MS, that its
 * collection is unlocked: it is alive and working through a queue (a herd of AWS commands on a loaded machine reads
 * at once; on a 2-core machine gnome-keyring took over 5 s for some of 120 concurrent reads). Just past libsecret's
 * own D-Bus timeout (25 s), after which the call fails anyway; under LOCK_WAIT_MS, so those queued behind a lock
 * holder that waits on the keychain outlast it. */
export const KEYCHAIN_BUSY_TIMEOUT_MS = Number(process.env.KEYLESS_KEYCHAIN_BUSY_TIMEOUT_MS) || 30_000

/** Longest one `keyctl` may take (the kernel-keyring store). The kernel answers in microseconds and has no locked
 * state to report quickly: a keyctl that takes seconds was not scheduled (a herd of 200 processes on 2 cores starts
 * it late and reaps it late), so it gets the same bound as a busy keychain rather than KEYCHAIN_TIMEOUT_MS. */
export const KERNEL_KEYRING_TIMEOUT_MS = KEYCHAIN_BUSY_TIMEOUT_MS

/** Waiting on a busy keychain longer than this earns one line on stderr (the AWS tool seems to hang otherwise);
 * shorter waits stay silent, as credential_process must be. */
export const KEYCHAIN_SLOW_NOTICE_MS = Number(process.env.KEYLESS_KEYCHAIN_SLOW_NOTICE_MS) || 10_000

/** How often a caller waiting behind another process's lock looks whether it has been released (a stat of the lock
 * directory). Not inotify: a herd of 200 waiters would exhaust the default 128 inotify instances per user. Often
 * enough to add little to a wait of seconds, rarely enough that 200 waiters cost no noticeable CPU. */
export const LOCK_POLL_MS = 100

/** Added to the poll interval on each `slow_down`, as RFC 8628 section 3.5 says. */
export const SLOW_DOWN_INCREMENT_MS = 5000

/** A lock whose holder stopped touching it for this long is stale (its holder crashed). */
export const LOCK_STALE_MS = 10_000

/** A lock whose holder is still alive (its pid, on this host) is taken over only once it has not been touched for
 * this long: then the holder is hung, not slow. A herd of 200 processes on 2 cores stalls a holder's event loop for
 * well over LOCK_STALE_MS while it loads the AWS SDK; the same as LOCK_WAIT_MS, so a waiter gives up rather than
 * run a second refresh beside a live one. */
export const LOCK_ALIVE_STALE_MS = 60_000

/** Longest a caller waits for other keyless processes before giving up with a clear error: for one lock, and for
 * credential-process all its waits together (the role's fetch under way, then the role and session locks), so an AWS
 * command hangs at most this long behind a hung holder (issue 28). Longer than a device-authorization flow is not
 * sensible for credential_process callers. KEYLESS_LOCK_WAIT_MS shortens it for tests. */
export const LOCK_WAIT_MS = Number(process.env.KEYLESS_LOCK_WAIT_MS) || 60_000

/** How long a `credential-process --auto-login` caller waits for the locks while another process runs the
 * device-authorization flow for everyone: Identity Center's device codes live 10 minutes (expiresIn 600),
 * plus a margin for the final CreateToken and GetRoleCredentials. */
export const AUTO_LOGIN_LOCK_WAIT_MS = 11 * 60 * 1000

/** Longest `keyless accounts` keeps listing (retrying 429s and 5xx) before it gives up with a clear error.
 * At Identity Center's ~20 requests/s this covers ~12,000 calls (10,000+ accounts). It is also shorter than
 * EXPIRY_WINDOW_MS, so the access token taken at the start cannot expire half-way through the listing. */
export const ACCOUNTS_DEADLINE_MS = 10 * 60 * 1000

/** How long a cached account listing is served without asking Identity Center again. Assignments change
 * rarely (an administrator's action) while a full listing of a large organisation costs up to a minute of the
 * organisation's shared ~20 requests/s; an hour still shows a new permission set the same morning, and
 * `keyless accounts --refresh` is there when you know something changed. */
export const ACCOUNTS_CACHE_MAX_AGE_MS = 60 * 60 * 1000

/** First retry delay of a throttled or failed portal call; doubles per attempt, with full jitter
 * (a random delay between 0 and the bound, as the AWS Architecture Blog's "Exponential Backoff and Jitter"
 * recommends, so that retries do not arrive in waves). Small: the rate pacer, not this delay, does the spacing. */
export const PORTAL_BACKOFF_BASE_MS = 100

/** Upper bound of that doubling: a call keeps retrying at least this often until the listing's deadline. */
export const PORTAL_BACKOFF_CAP_MS = 5000

/** Longest a TCP (and TLS) connection to an AWS endpoint may take to open. A reachable endpoint connects in
 * well under a second even over a VPN; beyond this it is a black hole (a firewall dropping packets). */
export const AWS_CONNECT_TIMEOUT_MS = 5000

/** Longest an AWS endpoint may stay silent: until its answer starts, and between any two parts of it. Identity
 * Center answers in milliseconds; an endpoint silent this long (a hung proxy) is not going to answer. */
export const AWS_RESPONSE_TIMEOUT_MS = Number(process.env.KEYLESS_AWS_RESPONSE_TIMEOUT_MS) || 10_000

/** Longest one AWS call may take in all, retries included: the overall deadline that also ends a reply dripping
 * in a byte at a time. credential-process makes at most two calls under its role lock (token refresh, then
 * GetRoleCredentials): 2 x 20 s stays under LOCK_WAIT_MS, so the callers waiting on that lock never give up
 * before the holder does. `accounts` uses it for each request of its listing (then retries). */
export const AWS_CALL_DEADLINE_MS = Number(process.env.KEYLESS_AWS_DEADLINE_MS) || 20_000

/** How much longer than AWS_CALL_DEADLINE_MS a token refresh keeps waiting for an answer already on its way. Identity
 * Center may rotate refresh tokens: once it has taken the refresh, the old refresh token is dead and the new one is
 * only in that answer, so an answer given up on (or a retry of the request) can end the session. 15 s more keeps the
 * refresh (35 s) plus GetRoleCredentials (20 s) under LOCK_WAIT_MS, so processes waiting on the lock still outlast
 * the holder. KEYLESS_REFRESH_GRACE_MS shortens it for tests. */
export const REFRESH_ANSWER_GRACE_MS = Number(process.env.KEYLESS_REFRESH_GRACE_MS) || 15_000

/** The window over which the accounts limiter measures the server's rate from its 429s: long enough to
 * average out latency jitter (100 answers at 20/s), short enough to follow a rate that changes. */
export const RATE_ESTIMATE_WINDOW_MS = 5000

/** The shortest span between two 429s the measured rate is trusted over (shorter spans hold too few answers). */
export const RATE_ESTIMATE_MIN_SPAN_MS = 1000

/** With no 429 for this long while work is waiting, the pacer tries a higher rate (+10%, +25%, +50%, then
 * doubling), once per this long: its first guess may have been low, or the quota grew. A second holds ~20
 * answers at Identity Center's rate: enough to tell a quiet spell from chance. */
export const RATE_PROBE_AFTER_MS = 1000

/** `keyless audit` asks STS about this many keys at once: fast for a machine with dozens of keys, gentle on STS
 * (whose GetCallerIdentity quota is per account and shared with every pipeline of that account). */
export const AUDIT_STS_CONCURRENCY = 8

/** One GetCallerIdentity that has not answered in this long is given up: the key is reported `unreachable`
 * and the audit goes on (an audit on a plane or behind a proxy still lists everything, in seconds). */
export const AUDIT_STS_TIMEOUT_MS = 5000

/** Longest the federation endpoint's getSigninToken may take (`keyless console`): a hung proxy must not hang it. */
export const FEDERATION_TIMEOUT_MS = 30_000

/** How long `keyless console` waits for the browser to open its one-time loopback URL. A sign-in token is good for
 * 15 minutes; a browser that has not asked within two has not got the URL (no browser, a blocked opener). */
export const CONSOLE_REDIRECT_WAIT_MS = 120_000

/** How long the browser hand-off's page and one-time link live (browser-handoff.ts) when nothing else sets it: a
 * browser that has not loaded the page within two minutes has not got it, and the login's URL is on stderr. */
export const BROWSER_HANDOFF_WAIT_MS = 120_000

/** How long the authorization-code login waits for the browser to come back to keyless: as long as a device code
 * lives (Identity Center's expiresIn is 600 s), so both flows give a person the same time to sign in.
 * KEYLESS_AUTH_CODE_TIMEOUT_MS shortens it for tests. */
export const AUTH_CODE_TIMEOUT_MS = Number(process.env.KEYLESS_AUTH_CODE_TIMEOUT_MS) || 10 * 60 * 1000

/**
 * Windows: how long a rename onto a file another process holds open (Defender, the search indexer, an editor
 * reading it) is retried before keyless says so. graceful-fs retries such renames for up to 60 s; a scan ends
 * in well under a second, and a person waits on this, so 10 s, polling every RENAME_RETRY_STEP_MS at most.
 */
export const RENAME_RETRY_MS = 10_000
export const RENAME_RETRY_STEP_MS = 100

/**
 * macOS: a Keychain call may be an "allow node to access" dialog waiting for a person, not a hung keychain. It
 * gets 55 s (under the Go SDK's 1-minute credential_process timeout, so that SDK shows keyless's message rather
 * than its own), with a line on stderr after 2 s saying what it waits for.
 */
export const KEYCHAIN_PROMPT_TIMEOUT_MS = Number(process.env.KEYLESS_KEYCHAIN_PROMPT_TIMEOUT_MS) || 55_000
export const KEYCHAIN_PROMPT_NOTICE_MS = 2000
