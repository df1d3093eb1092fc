import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from '../src/index.js';
import { callRpc } from '../src/testkit/rpc-client.js';
import { type Body, control, kmsClient } from './helpers/client.js';

/**
 * The dashboard in a real headless Chromium (Debian's package, driven by playwright-core): what a
 * user sees of resources made through an official client, a rotation fired by a clock advance done
 * from the page, and the secret values it must never show.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const IN_CI = process.env.CI === 'true';
export const ARTIFACTS = resolve('test-artifacts');

if (!HAVE_CHROMIUM && !IN_CI) {
  console.warn(
    `dashboard browser test skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH). In CI it fails instead.`,
  );
}

describe.skipIf(!HAVE_CHROMIUM && !IN_CI)('dashboard in headless Chromium', () => {
  let emulator: Emulator;
  let browser: BrowserContext;
  let profile: string;
  const generic = 'dash/app-config';
  const rds = 'dash/rds-login';
  const values = ['generic-value-one-7f3a9c', 'generic-value-two-b81d44', 'Initial#Pass-d4sh-91'];
  let keyId = '';
  let disabledKeyId = '';
  // RAM identities for the Access control panel (#25 §8): their secrets must never show either.
  const ACCOUNT = '1234567890123456';
  const auditor = { accessKeyId: 'LTAIdashAuditor0001', accessKeySecret: 'auditor-secret-5e1f0a77' };
  const credentials: string[] = [auditor.accessKeySecret];

  beforeAll(async () => {
    if (!HAVE_CHROMIUM) throw new Error(`CI=true and no Chromium at ${CHROMIUM}: .ci/run installs it`);
    emulator = await startEmulator({ randomSeed: 'dashboard' });
    const kms = kmsClient(emulator);
    keyId = (await kms.call('CreateKey', { Description: 'orders key' })).KeyMetadata.KeyId;
    disabledKeyId = (await kms.call('CreateKey', { Description: 'retired key' })).KeyMetadata.KeyId;
    await kms.call('DisableKey', { KeyId: disabledKeyId });
    await kms.call('CreateAlias', { KeyId: keyId, AliasName: 'alias/orders' });
    await kms.call('CreateSecret', { SecretName: generic, SecretData: values[0], VersionId: 'v1' });
    await kms.call('PutSecretValue', { SecretName: generic, SecretData: values[1], VersionId: 'v2' });
    await kms.call('GetSecretValue', { SecretName: generic });
    await control(emulator, 'POST', 'rds-instances', {
      DBInstanceId: 'rm-dash',
      Accounts: [{ AccountName: 'app', AccountPassword: values[2] }],
    });
    await kms.call('CreateSecret', {
      SecretName: rds,
      SecretType: 'Rds',
      VersionId: 'v1',
      SecretData: JSON.stringify({ Accounts: [{ AccountName: 'app', AccountPassword: values[2] }] }),
      ExtendedConfig: JSON.stringify({ SecretSubType: 'SingleUser', DBInstanceId: 'rm-dash' }),
      EnableAutomaticRotation: true,
      RotationInterval: '1d',
    });
    await control(emulator, 'POST', 'seed', {
      ram: {
        policies: [
          {
            policyName: 'no-disable',
            policyDocument: {
              Version: '1',
              Statement: [{ Sid: 'KeepKeysOn', Effect: 'Deny', Action: 'kms:DisableKey', Resource: '*' }],
            },
          },
        ],
        users: [
          {
            userName: 'auditor',
            displayName: 'Key auditor',
            accessKeys: [auditor],
            policies: [
              { policyName: 'AliyunKMSReadOnlyAccess', policyType: 'System' },
              { policyName: 'no-disable' },
            ],
          },
        ],
        groups: [{ groupName: 'reviewers', members: ['auditor'] }],
        roles: [
          {
            roleName: 'orders-app',
            assumeRolePolicyDocument: {
              Version: '1',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: 'sts:AssumeRole',
                  Principal: { RAM: [`acs:ram::${ACCOUNT}:root`] },
                },
              ],
            },
            maxSessionDuration: 7200,
          },
        ],
      },
    });
    // An explicit Deny: the auditor may read keys but not disable one.
    const denied = await callRpc(
      emulator.url,
      'DisableKey',
      { KeyId: keyId },
      {
        accessKeyId: auditor.accessKeyId,
        secret: auditor.accessKeySecret,
      },
    );
    expect(denied.body.Code).toBe('Forbidden.NoPermission');
    await control(emulator, 'POST', 'clock', { freeze: true });
    profile = mkdtempSync(join(tmpdir(), 'kms-dashboard-chromium-'));
    // A fresh, empty profile (playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await emulator?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** Opens the page and records every response body it fetched. */
  async function open(url: string, viewport = { width: 1280, height: 900 }) {
    const page = await browser.newPage();
    await page.setViewportSize(viewport);
    const fetched: { url: string; body: string }[] = [];
    const pending: Promise<void>[] = [];
    const requests: { url: string; method: string; headers: Record<string, string> }[] = [];
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    page.on('request', (request) =>
      requests.push({ url: request.url(), method: request.method(), headers: request.headers() }),
    );
    page.on('response', (response) => {
      pending.push(
        response
          .text()
          .then((body) => void fetched.push({ url: response.url(), body }))
          .catch(() => undefined),
      );
    });
    await page.goto(url);
    await page.waitForSelector(`tr[data-secret-name="${rds}"]`);
    return { page, fetched, requests, errors, settle: () => Promise.all(pending) };
  }

  const keyRow = (page: Page, id: string) => page.locator(`tr[data-key-id="${id}"]`);
  const version = (page: Page, secret: string, versionId: string) =>
    page.locator(`tr[data-secret-name="${secret}"] li[data-version-id="${versionId}"]`);

  it('shows keys, stages, a rotation fired from the page and the audit journal, never a value', async () => {
    const { page, fetched, errors, settle } = await open(`${emulator.url}/_emulator/ui`);

    // A key's state, spec and alias, as the official client left them.
    await expect.poll(() => keyRow(page, disabledKeyId).locator('.key-state').textContent()).toBe('Disabled');
    expect(await keyRow(page, keyId).locator('.key-state').textContent()).toBe('Enabled');
    expect(await keyRow(page, keyId).textContent()).toContain('alias/orders');
    expect(await keyRow(page, keyId).textContent()).toContain('Aliyun_AES_256 / ENCRYPT/DECRYPT');

    // A secret's versions and stages.
    expect(await version(page, generic, 'v2').textContent()).toContain('ACSCurrent');
    expect(await version(page, generic, 'v1').textContent()).toContain('ACSPrevious');
    expect(await version(page, generic, 'v1').textContent()).not.toContain('ACSCurrent');
    expect(await page.locator(`tr[data-secret-name="${rds}"] li`).count()).toBe(1);
    expect(await page.locator('#jobs-body').textContent()).toContain('secret.rotate');

    // The audit journal shows the GetSecretValue call.
    const auditRow = page.locator('#audit-body tr[data-action="GetSecretValue"]');
    await expect.poll(() => auditRow.count()).toBeGreaterThan(0);
    expect(await auditRow.first().textContent()).toContain('Success');
    expect(await auditRow.first().textContent()).toContain(generic);

    // Advance the clock from the page: the daily rotation falls due and completes.
    await page.getByLabel('By (e.g. 1h, 7d, 1h 30m, seconds)').fill('2d');
    await page.getByRole('button', { name: 'Advance', exact: true }).click();
    await page.waitForSelector('#fired [data-fired]');
    expect(Number(await page.locator('#fired [data-fired]').getAttribute('data-fired'))).toBeGreaterThan(0);
    expect(await page.locator('#fired').textContent()).toContain('secret.rotate');
    await expect
      .poll(() => page.locator(`tr[data-secret-name="${rds}"] li`).count(), { timeout: 10_000 })
      .toBeGreaterThan(1);
    const stages = await page.locator(`tr[data-secret-name="${rds}"] li`).allInnerTexts();
    expect(stages.filter((s) => s.includes('ACSCurrent'))).toHaveLength(1);
    expect(stages.find((s) => s.includes('ACSCurrent'))).not.toContain('v1');
    expect(await page.locator(`tr[data-secret-name="${rds}"] .secret-rotation`).textContent()).toContain(
      'last',
    );

    // The server agrees: the rotation happened, and the rotated password is now a value to keep hidden.
    const kms = kmsClient(emulator);
    const current = (await kms.call('GetSecretValue', { SecretName: rds })) as Body;
    expect(current.VersionId).not.toBe('v1');
    const rotatedPassword = JSON.parse(current.SecretData).AccountPassword as string;
    expect(rotatedPassword).not.toBe(values[2]);
    await page.reload();
    await page.waitForSelector(`tr[data-secret-name="${rds}"]`);
    await expect.poll(() => page.locator('#audit-body tr[data-action="GetSecretValue"]').count()).toBe(2);

    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, 'dashboard-1280.png');
    await page.locator('#secrets').scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-1280-full.png'), fullPage: true });
    console.log(`dashboard screenshots: ${shot}, ${join(ARTIFACTS, 'dashboard-1280-full.png')}`);

    // No secret value anywhere: DOM, page source, or any response the page fetched.
    await settle();
    const dom = await page.content();
    const text = await page.locator('body').textContent();
    const source = await Promise.all(
      ['ui', 'ui/app.js', 'ui/app.css'].map(async (p) =>
        (await fetch(`${emulator.url}/_emulator/${p}`)).text(),
      ),
    );
    expect(fetched.some((f) => f.url.endsWith('/_emulator/world'))).toBe(true);
    for (const secret of [...values, rotatedPassword]) {
      expect(dom).not.toContain(secret);
      expect(text).not.toContain(secret);
      for (const s of source) expect(s).not.toContain(secret);
      for (const f of fetched) expect(f.body, f.url).not.toContain(secret);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('is readable on a phone: nothing wider than the screen but the scrolling tables', async () => {
    const { page } = await open(`${emulator.url}/_emulator/ui`, { width: 390, height: 844 });
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    expect(overflow).toBeLessThanOrEqual(1);
    const shot = join(ARTIFACTS, 'dashboard-phone.png');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: shot, fullPage: false });
    console.log(`dashboard phone screenshot: ${shot}`);
    await page.close();
  });

  it('sends the control token from #token= as a bearer token, and JSON on every write', async () => {
    const { page, requests } = await open(`${emulator.url}/_emulator/ui#token=t0ken-for-test`);
    expect(page.url()).not.toContain('t0ken');
    await page.getByLabel('Action').nth(1).fill('DescribeRegions');
    await page.getByLabel('Error code').fill('Rejected.Throttling');
    await page.getByLabel('Times').fill('1');
    await page.getByRole('button', { name: 'Add fault' }).click();
    await page.waitForSelector('#faults-body tr[data-fault-id]');
    await page.getByRole('button', { name: 'Clear all faults' }).click();
    await expect.poll(() => page.locator('#faults-body tr[data-fault-id]').count()).toBe(0);
    const control = requests.filter((r) => r.url.includes('/_emulator/') && !r.url.includes('/_emulator/ui'));
    expect(control.length).toBeGreaterThan(3);
    for (const r of control) expect(r.headers.authorization, r.url).toBe('Bearer t0ken-for-test');
    const writes = control.filter((r) => r.method !== 'GET');
    expect(writes.map((r) => r.method).sort()).toEqual(['DELETE', 'POST']);
    for (const r of writes) expect(r.headers['content-type']).toBe('application/json');
    await page.close();
  });

  it('works behind a control token: refused without it, every call allowed with #token=', async (ctx) => {
    // --control-token comes with the hardening of the control plane; before it, there is nothing to test.
    const guarded = await startEmulator({ controlToken: 'dash-token-42' } as EmulatorOptions);
    try {
      if ((await fetch(`${guarded.url}/_emulator/world`)).status !== 401) {
        console.warn('control-token case skipped: this build has no --control-token');
        ctx.skip();
      }
      const page = await browser.newPage();
      const statuses: string[] = [];
      page.on('response', (r) => void statuses.push(`${r.status()} ${r.request().method()} ${r.url()}`));
      await page.goto(`${guarded.url}/_emulator/ui`);
      await expect.poll(() => page.locator('#status').textContent()).toContain('control token');
      expect(statuses.some((s) => s.startsWith('401 GET') && s.endsWith('/_emulator/world'))).toBe(true);
      statuses.length = 0;
      await page.goto(`${guarded.url}/_emulator/ui#token=dash-token-42`);
      await page.reload();
      await page.waitForSelector('#keys-body p, #keys-body table');
      await page.getByLabel('By (e.g. 1h, 7d, 1h 30m, seconds)').fill('1h');
      await page.getByRole('button', { name: 'Advance', exact: true }).click();
      await page.waitForSelector('#fired [data-fired]');
      expect(statuses.some((s) => s.startsWith('200 POST') && s.endsWith('/_emulator/clock'))).toBe(true);
      expect(statuses.filter((s) => !s.startsWith('200'))).toEqual([]);
      await page.close();
    } finally {
      await guarded.close();
    }
  });

  it('shows the access control panel: users, roles, a session expiring on the virtual clock, denials with why', async () => {
    // A session of the role, assumed by the account's root pair; it is refused CreateKey (no policy).
    const assumed = await callRpc(
      emulator.url,
      'AssumeRole',
      {
        RoleArn: `acs:ram::${ACCOUNT}:role/orders-app`,
        RoleSessionName: 'panel-check',
        DurationSeconds: '900',
      },
      { version: '2015-04-01' },
    );
    expect(assumed.status, JSON.stringify(assumed.body)).toBe(200);
    const session = assumed.body.Credentials as Body;
    credentials.push(session.AccessKeySecret, session.SecurityToken);
    const refused = await callRpc(
      emulator.url,
      'CreateKey',
      { SecurityToken: session.SecurityToken },
      { accessKeyId: session.AccessKeyId, secret: session.AccessKeySecret },
    );
    expect(refused.body.Code).toBe('Forbidden.NoPermission');

    const { page, fetched, errors, settle } = await open(`${emulator.url}/_emulator/ui#authz`);
    const panel = page.locator('#authz');
    await expect.poll(() => page.locator('#authz-mode').textContent()).toBe('enforce');

    // The user: its AccessKey id and status, its group and policies — never the secret.
    const user = panel.locator('tr[data-user-name="auditor"]');
    await user.waitFor();
    expect(await user.textContent()).toContain('Key auditor');
    expect(await user.locator(`[data-access-key-id="${auditor.accessKeyId}"]`).textContent()).toContain(
      'Active',
    );
    expect(await user.textContent()).toContain('reviewers');
    expect(await user.textContent()).toContain('AliyunKMSReadOnlyAccess (system)');
    expect(await panel.locator('tr[data-group-name="reviewers"]').textContent()).toContain('auditor');
    expect(await panel.locator('tr[data-policy-name="no-disable"]').textContent()).toContain('v1');
    expect(await panel.locator('tr[data-attachment="no-disable:User:auditor"]').count()).toBe(1);

    // The role: its ARN, who may assume it, its maximum session.
    const role = panel.locator('tr[data-role-name="orders-app"]');
    expect(await role.textContent()).toContain(`acs:ram::${ACCOUNT}:role/orders-app`);
    expect(await role.textContent()).toContain(`RAM acs:ram::${ACCOUNT}:root`);
    expect(await role.textContent()).toContain('2h');

    // The session, live until the virtual clock passes its expiry.
    const sessionRow = panel.locator(`tr[data-session-key="${session.AccessKeyId}"]`);
    await sessionRow.waitFor();
    expect(await sessionRow.textContent()).toContain('orders-app/panel-check');
    expect(await sessionRow.getAttribute('data-expired')).toBe('false');
    expect(await sessionRow.locator('.session-expiry').textContent()).toMatch(/in 1[45]m/);

    // The denials, with why: the explicit Deny quotes the statement that denied.
    const explicit = panel.locator('tr[data-decision="ExplicitDeny"]');
    await expect.poll(() => explicit.count()).toBeGreaterThan(0);
    expect(await explicit.first().textContent()).toContain('DisableKey');
    expect(await explicit.first().textContent()).toContain('kms:DisableKey');
    expect(await explicit.first().textContent()).toContain('auditor');
    await explicit.first().locator('summary').click();
    const statement = explicit.first().locator('.why-list li').first();
    expect(await statement.textContent()).toContain('no-disable v1 (Custom), statement 0 "KeepKeysOn"');
    expect(await statement.locator('code.statement').textContent()).toContain('"Effect":"Deny"');
    expect(await statement.locator('code.statement').isVisible()).toBe(true);
    // The page redraws every poll; the statements the reader opened stay open.
    const drawn = await page.locator('body').getAttribute('data-refreshed');
    await expect
      .poll(() => page.locator('body').getAttribute('data-refreshed'), { timeout: 10_000 })
      .not.toBe(drawn);
    expect(await explicit.first().locator('details').getAttribute('open')).toBe('');
    const implicit = panel.locator('tr[data-decision="ImplicitDeny"]');
    await expect.poll(() => implicit.count()).toBeGreaterThan(0);
    expect(await implicit.first().textContent()).toContain('orders-app/panel-check');
    expect(await implicit.first().textContent()).toContain('kms:CreateKey');
    expect(await implicit.first().textContent()).toContain('refused');
    expect((await implicit.first().locator('.reason').textContent())?.length).toBeGreaterThan(10);

    // Advance the virtual clock from the page: the session expires.
    await page.getByLabel('By (e.g. 1h, 7d, 1h 30m, seconds)').fill('1h');
    await page.getByRole('button', { name: 'Advance', exact: true }).click();
    await expect.poll(() => sessionRow.getAttribute('data-expired')).toBe('true');
    expect(await sessionRow.textContent()).toContain('expired');

    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, 'dashboard-access-control.png');
    // The panel cut out of the whole page (an element shot of a panel taller than the window would
    // have the sticky header across it).
    await page.evaluate('window.scrollTo(0, 0)');
    const box = await panel.boundingBox();
    if (box) await page.screenshot({ path: shot, fullPage: true, clip: box });
    console.log(`dashboard access control screenshot: ${shot}`);

    // No AccessKeySecret or security token anywhere: DOM, text, or any response the page fetched.
    await settle();
    const dom = await page.content();
    const text = await page.locator('body').textContent();
    for (const secret of credentials) {
      expect(dom).not.toContain(secret);
      expect(text).not.toContain(secret);
      for (const f of fetched) expect(f.body, f.url).not.toContain(secret);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('loads a seed file, exports the world, freezes and resets, all from the page', async () => {
    const { page } = await open(`${emulator.url}/_emulator/ui`);
    await page.getByLabel('Seed (YAML or JSON)').setInputFiles({
      name: 'world.yaml',
      mimeType: 'application/yaml',
      buffer: Buffer.from('keys:\n  - keyId: key-from-the-page\n    aliases: [alias/from-page]\n'),
    });
    await page.getByRole('button', { name: 'Load seed' }).click();
    await page.waitForSelector('tr[data-key-id="key-from-the-page"]');
    expect(await keyRow(page, 'key-from-the-page').textContent()).toContain('alias/from-page');

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export as seed (YAML)' }).click();
    const exported = readFileSync(await (await download).path(), 'utf8');
    expect(exported).toContain('keyId: key-from-the-page');
    for (const secret of values) expect(exported).not.toContain(secret);

    expect(await page.locator('#clock-state').textContent()).toBe('frozen');
    await page.getByRole('button', { name: 'Resume wall time' }).click();
    await expect.poll(() => page.locator('#clock-state').textContent()).toBe('running');
    expect((await control(emulator, 'GET', 'clock')).frozen).toBe(false);

    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Reset the emulator…' }).click();
    await expect.poll(() => page.locator('tr[data-secret-name]').count()).toBe(0);
    expect((await control(emulator, 'GET', 'world')).keys).toEqual([]);
    await page.close();
  });
});
