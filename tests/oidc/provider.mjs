// A real OpenID Connect provider for the single sign-on tests (tests/foundation/accounts/test_sso.py).
//
// oidc-provider is OpenID Certified; this script only gives it test clients, test people and a plain
// login page. It listens on 127.0.0.1 (PORT, 0 = any free port) and prints one JSON line with its issuer
// once it is ready. Environment: REDIRECT_URI and POST_LOGOUT_REDIRECT_URI (the platform's callback and
// the page after logout), CLIENT_SECRET.
//
// Clients (all with the same secret and addresses):
//   ks-app              a well-behaved client
//   ks-app-expired      its ID tokens are issued already expired (a provider with a wrong clock)
//   ks-app-foreign-aud  its ID tokens name another audience ("another-app")
// People (password "test"): see ACCOUNTS. Those with mfa: true sign in with amr ["pwd", "otp"] and
// acr "urn:kommunalschutz:test:mfa"; the others with amr ["pwd"].
// GET /_test/events lists the end-session calls, so a test can tell that logout reached the provider.

import http from 'node:http';
import { URL } from 'node:url';

import Provider from 'oidc-provider';

const PORT = Number(process.env.PORT || 0);
const REDIRECT_URI = process.env.REDIRECT_URI;
const POST_LOGOUT_REDIRECT_URI = process.env.POST_LOGOUT_REDIRECT_URI;
const CLIENT_SECRET = process.env.CLIENT_SECRET || 'test-secret-of-the-kommunalschutz-client';
const PASSWORD = 'test';
const MFA_ACR = 'urn:kommunalschutz:test:mfa';

const ACCOUNTS = {
  'anna.koordination': {
    email: 'anna.koordination@lds.example', given_name: 'Anna', family_name: 'Koordination',
    groups: ['ks-koordination', 'andere-gruppe'], mfa: true,
  },
  'mara.pirna': {
    email: 'mara.pirna@pirna.example', given_name: 'Mara', family_name: 'Pirna',
    groups: ['ks-kommune-pirna'], mfa: false,
  },
  'paul.polizei': {
    email: 'paul.polizei@polizei.example', given_name: 'Paul', family_name: 'Polizei',
    groups: ['ks-polizei-dresden'], mfa: true,
  },
  'petra.polizei': {
    email: 'petra.polizei@polizei.example', given_name: 'Petra', family_name: 'Polizei',
    groups: ['ks-polizei-dresden'], mfa: false,
  },
  'otto.ohnerolle': {
    email: 'otto.ohnerolle@lds.example', given_name: 'Otto', family_name: 'Ohnerolle',
    groups: ['andere-gruppe'], mfa: false,
  },
  'lena.lokal': {
    email: 'lena.lokal@pirna.example', given_name: 'Lena', family_name: 'Lokal',
    groups: ['ks-kommune-pirna'], mfa: false,
  },
};

const events = [];

function client(clientId) {
  return {
    client_id: clientId,
    client_secret: CLIENT_SECRET,
    redirect_uris: [REDIRECT_URI],
    post_logout_redirect_uris: [POST_LOGOUT_REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  };
}

const configuration = {
  clients: [client('ks-app'), client('ks-app-expired'), client('ks-app-foreign-aud')],
  claims: {
    // How the person signed in goes into every ID token (as Keycloak's and ADFS's do).
    openid: ['sub', 'acr', 'amr', 'auth_time'],
    email: ['email', 'email_verified'],
    profile: ['given_name', 'family_name', 'preferred_username'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  acrValues: [MFA_ACR, 'urn:kommunalschutz:test:pwd'],
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: { enabled: true },
  },
  // The claims go into the ID token too (as ADFS does), not only to the userinfo endpoint.
  conformIdTokenClaims: false,
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: ['test-cookie-key-of-the-kommunalschutz-suite'] },
  async findAccount(ctx, id) {
    const person = ACCOUNTS[id];
    if (!person) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id, email: person.email, email_verified: true, given_name: person.given_name,
          family_name: person.family_name, preferred_username: id, groups: person.groups,
        };
      },
    };
  },
};

function page(title, body) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>`
    + `<body><h1>${title}</h1>${body}</body></html>`;
}

function readForm(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(Object.fromEntries(new URLSearchParams(data))));
    req.on('error', reject);
  });
}

async function main() {
  // The issuer needs the port, which is known once the server listens.
  const server = http.createServer();
  await new Promise((resolve) => { server.listen(PORT, '127.0.0.1', resolve); });
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration);

  // Test clients that misbehave on purpose: the provider signs their ID tokens with its real keys, but
  // already expired or for another audience.
  const { IdToken } = provider;
  const issue = IdToken.prototype.issue;
  IdToken.prototype.issue = async function patchedIssue(options = {}) {
    if (options.use === 'idtoken' && this.client?.clientId === 'ks-app-expired') {
      return issue.call(this, { ...options, expiresAt: Math.floor(Date.now() / 1000) - 600 });
    }
    if (options.use === 'idtoken' && this.client?.clientId === 'ks-app-foreign-aud') {
      const real = this.client;
      this.client = Object.create(real, { clientId: { value: 'another-app' } });
      try {
        return await issue.call(this, options);
      } finally {
        this.client = real;
      }
    }
    return issue.call(this, options);
  };
  provider.on('end_session.success', (ctx) => {
    events.push({ event: 'end_session.success', client: ctx.oidc.client?.clientId ?? null });
  });

  const callback = provider.callback();
  server.on('request', async (req, res) => {
    try {
      const url = new URL(req.url, issuer);
      if (url.pathname === '/_test/events') {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(events));
        return;
      }
      const login = url.pathname.match(/^\/interaction\/([^/]+)\/login$/);
      if (login && req.method === 'POST') {
        const form = await readForm(req);
        const person = ACCOUNTS[form.login];
        if (!person || form.password !== PASSWORD) {
          res.statusCode = 401;
          res.end(page('Wrong name or password', ''));
          return;
        }
        const amr = person.mfa ? ['pwd', 'otp'] : ['pwd'];
        const acr = person.mfa ? MFA_ACR : 'urn:kommunalschutz:test:pwd';
        await provider.interactionFinished(req, res, { login: { accountId: form.login, amr, acr } },
          { mergeWithLastSubmission: false });
        return;
      }
      const interaction = url.pathname.match(/^\/interaction\/([^/]+)$/);
      if (interaction && req.method === 'GET') {
        const details = await provider.interactionDetails(req, res);
        if (details.prompt.name === 'login') {
          res.setHeader('Content-Type', 'text/html; charset=utf-8');
          res.end(page('Sign in', `<form method="post" action="/interaction/${details.uid}/login">`
            + '<input name="login"><input name="password" type="password"><button type="submit">Sign in</button>'
            + '</form>'));
          return;
        }
        // Consent: the platform is a first-party client; grant what it asked for.
        const { params, session } = details;
        const grant = details.grantId
          ? await provider.Grant.find(details.grantId)
          : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
        const missing = details.prompt.details;
        if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
        if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
        return;
      }
      callback(req, res);
    } catch (error) {
      res.statusCode = 500;
      res.end(String(error));
    }
  });
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
