// A real OpenID Connect provider for Zhurnal's sign-in tests (issue 17): the certified
// `oidc-provider` package, on the loopback, configured by tests/oidc_provider.py through
// OIDC_TEST_CONFIG = {port, jwk, clients}. Its own sign-in page is a plain form: the login
// typed is the account (sub); its e-mail is the login if it has an @, else <login>@region.test,
// verified unless the login starts with "unverified". Prints "ready" when it listens.
import http from 'node:http';
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG);
const issuer = `http://127.0.0.1:${config.port}`;

function claimsOf(login) {
  return {
    sub: login,
    email: login.includes('@') ? login : `${login}@region.test`,
    email_verified: !login.startsWith('unverified'),
  };
}

const provider = new Provider(issuer, {
  clients: config.clients,
  jwks: { keys: [config.jwk] },
  features: { devInteractions: { enabled: false } },
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  findAccount: async (ctx, sub) => ({ accountId: sub, claims: async () => claimsOf(sub) }),
  cookies: { keys: ['zhurnal-test-provider'] },
  ttl: { AccessToken: 3600, AuthorizationCode: 600, IdToken: 3600, Interaction: 600, Grant: 3600, Session: 3600 },
});

function page(uid) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Региональный портал</title></head>
<body><h1>Региональный портал</h1>
<form method="post" action="/interaction/${uid}/login">
<label>Логин <input name="login" id="provider-login" autofocus></label>
<label>Пароль <input name="password" type="password" id="provider-password"></label>
<button type="submit" id="provider-submit">Войти</button></form></body></html>`;
}

function body(req) {
  return new Promise((resolve, reject) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(new URLSearchParams(data)));
    req.on('error', reject);
  });
}

const handle = provider.callback();
const server = http.createServer(async (req, res) => {
  const match = new URL(req.url, issuer).pathname.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (!match) {
    handle(req, res);
    return;
  }
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === 'POST' && match[2]) {
      const login = (await body(req)).get('login');
      const grant = new provider.Grant({ accountId: login, clientId: details.params.client_id });
      grant.addOIDCScope(details.params.scope);
      const grantId = await grant.save();
      await provider.interactionFinished(
        req, res, { login: { accountId: login }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(page(details.uid));
  } catch (error) {
    res.statusCode = 400;
    res.end(String(error));
  }
});
server.listen(config.port, '127.0.0.1', () => console.log('ready'));
