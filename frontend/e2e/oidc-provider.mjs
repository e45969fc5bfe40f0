// A real OpenID provider for the add-in e2e test (scripts/addin-e2e.sh):
// panva's certified oidc-provider over HTTPS on 127.0.0.1, with one public
// client (PKCE S256 required) for the add-in host's personal VMR sign-in
// and two accounts. Its pages are minimal interaction handlers of its own
// (oidc-provider's development pages load a web font from the internet):
// a login form that knows alice and bob and takes any password, a consent
// form, and Cancel on both, which answers access_denied.
//
// Usage: node oidc-provider.mjs CERT.pem KEY.pem REDIRECT_URI
// Prints its issuer (https://127.0.0.1:PORT) on stdout once it listens;
// runs until killed. Signing and cookie keys are made at start.
import Provider from 'oidc-provider';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const [certFile, keyFile, redirectURI] = process.argv.slice(2);
if (!certFile || !keyFile || !redirectURI) {
  console.error('usage: node oidc-provider.mjs CERT.pem KEY.pem REDIRECT_URI');
  process.exit(2);
}

// The accounts: the login is the part before the @ (or the whole address).
const accounts = {
  alice: { email: 'alice@contoso.com', email_verified: true, name: 'Alice Example' },
  bob: { email: 'bob@contoso.com', email_verified: true, name: 'Bob Example' },
};

const server = createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) });
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, '127.0.0.1', resolve);
});
const issuer = `https://127.0.0.1:${server.address().port}`;

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'vmr-e2e',
      token_endpoint_auth_method: 'none', // a public client, as the host's default
      redirect_uris: [redirectURI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // The ID token carries the granted claims, as AD FS and Entra ID do.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  jwks: { keys: [{ ...signingKey, kid: 'e2e-' + randomBytes(4).toString('hex'), use: 'sig', alg: 'RS256' }] },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  async findAccount(_ctx, id) {
    const a = accounts[id];
    if (!a) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...a }) };
  },
});
provider.on('server_error', (_ctx, err) => console.error('oidc-provider: server error:', err));
provider.on('authorization.error', (_ctx, err) => console.error('oidc-provider: authorization error:', err.message, err.error_description ?? ''));
provider.on('grant.error', (_ctx, err) => console.error('oidc-provider: grant error:', err.message, err.error_description ?? ''));

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res, title, body, status = 200) {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    // No form-action: the forms' answers redirect on to the client.
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
  });
  res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)} · e2e OpenID provider</title>
<style>body{font:15px/1.4 system-ui,sans-serif;max-width:22em;margin:2em auto}label,input,button{display:block;margin:.4em 0}
input{width:100%;padding:.3em}.error{color:#a4262c}form.inline{display:inline}</style></head>
<body><h1>${escape(title)}</h1>${body}</body></html>`);
}

function cancelForm(uid) {
  return `<form method="post" action="/interaction/${escape(uid)}/abort"><button type="submit">Cancel</button></form>`;
}

function loginPage(res, uid, error = '') {
  page(
    res,
    'Sign in',
    `${error ? `<p class="error" role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label>User name <input name="login" autocomplete="off" required autofocus></label>
<label>Password <input name="password" type="password" required></label>
<button type="submit">Sign in</button></form>${cancelForm(uid)}`,
  );
}

function consentPage(res, uid, details, clientID) {
  const scopes = (details.missingOIDCScope ?? []).filter((s) => s !== 'openid');
  page(
    res,
    'Allow access',
    `<p>${escape(clientID)} asks to read: ${scopes.map(escape).join(', ') || 'your sign-in'}.</p>
<form method="post" action="/interaction/${escape(uid)}/consent"><button type="submit">Allow</button></form>${cancelForm(uid)}`,
  );
}

// readForm reads a small urlencoded body (a login form is far below 4 KiB).
async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 4096) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

async function interaction(req, res, action) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params, session } = details;
  if (req.method === 'GET' && !action) {
    if (prompt.name === 'login') return loginPage(res, uid);
    if (prompt.name === 'consent') return consentPage(res, uid, prompt.details, params.client_id);
    return page(res, 'Not supported', `<p>Prompt ${escape(prompt.name)} is not supported here.</p>`, 501);
  }
  if (req.method !== 'POST') return page(res, 'Not allowed', '<p>Use the forms.</p>', 405);
  if (action === 'abort') {
    return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The user cancelled the sign-in.' }, { mergeWithLastSubmission: false });
  }
  if (action === 'login' && prompt.name === 'login') {
    const form = await readForm(req);
    const login = (form.get('login') ?? '').trim().toLowerCase().replace(/@contoso\.com$/, '');
    // A test provider: any password will do, but not an empty one.
    if (!accounts[login] || !form.get('password')) return loginPage(res, uid, 'Unknown user or empty password (try alice or bob).');
    return provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
  }
  if (action === 'consent' && prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  return page(res, 'Out of step', `<p>This page does not fit the sign-in's step (${escape(prompt.name)}); start again.</p>`, 400);
}

const callback = provider.callback();
const INTERACTION = /^\/interaction\/([A-Za-z0-9_-]{1,64})(?:\/(login|consent|abort))?$/;
server.on('request', (req, res) => {
  const m = INTERACTION.exec(new URL(req.url ?? '/', issuer).pathname);
  if (!m) return callback(req, res);
  interaction(req, res, m[2]).catch((err) => {
    console.error('oidc-provider: interaction:', err.message);
    if (!res.headersSent) page(res, 'Sign-in failed', `<p>${escape(err.message)}</p>`, 400);
  });
});

console.log(issuer);
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
