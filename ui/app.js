// @ts-check
// The emulator's dashboard. No library, no network beyond the emulator's own /_emulator/ endpoints:
// it reads GET /_emulator/world (metadata only, RAM principals and denials included), /clock, /audit,
// /faults and /coverage, and changes the world only through the control endpoints a test harness uses. Text reaches the page through
// textContent only, never as HTML.

const BASE = '/_emulator';
const POLL_MS = 2000;
const TOKEN_KEY = 'kms-emulator-control-token';

/** @typedef {Record<string, any>} Json */

// ---- The control token: from the URL fragment (#token=…) or typed in; kept for this tab only. ----
(() => {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    // Off the address bar and out of the history.
    history.replaceState(null, '', location.pathname + location.search);
  }
})();

/** @returns {string | null} */
const token = () => sessionStorage.getItem(TOKEN_KEY);

/**
 * Every control call: JSON content type on writes (the control plane refuses other types for
 * state-changing calls), the bearer token when one is known.
 * @param {string} method
 * @param {string} path
 * @param {{ json?: unknown, text?: string, type?: string }} [body]
 * @returns {Promise<Json>}
 */
async function control(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  const known = token();
  if (known) headers.Authorization = `Bearer ${known}`;
  /** @type {string | undefined} */
  let payload;
  if (method !== 'GET') {
    if (body?.text !== undefined) {
      payload = body.text;
      headers['Content-Type'] = body.type ?? 'application/json';
    } else {
      payload = JSON.stringify(body?.json ?? {});
      headers['Content-Type'] = 'application/json';
    }
  }
  const res = await fetch(`${BASE}/${path}`, { method, headers, body: payload, credentials: 'same-origin' });
  const type = res.headers.get('content-type') ?? '';
  const data = type.includes('json') ? await res.json() : { text: await res.text() };
  if (!res.ok) {
    const reason =
      res.status === 401 || res.status === 403
        ? 'the control plane refused the call: give the control token under Controls'
        : `${data.error ?? data.Code ?? res.status}: ${data.message ?? data.Message ?? ''}`;
    throw new Error(`${method} /_emulator/${path} — ${reason}`);
  }
  return data;
}

// ---- Small DOM helpers (text only). ----

/**
 * @param {string} tag
 * @param {Record<string, string | boolean | undefined>} [attrs]
 * @param {...(Node | string | number | undefined | null | false)} children
 * @returns {HTMLElement}
 */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    el.append(typeof child === 'number' ? String(child) : child);
  }
  return el;
}

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @param {string | undefined} state */
const badge = (state) => (state ? h('span', { class: `badge state-${state}` }, state) : '—');

/** @param {string | undefined} iso */
const time = (iso) => (iso ? h('time', { datetime: iso }, iso.replace('T', ' ').replace('Z', ' UTC')) : '—');

/** @param {number | undefined} seconds */
function duration(seconds) {
  if (seconds === undefined) return '—';
  const units = /** @type {[string, number][]} */ ([
    ['d', 86400],
    ['h', 3600],
    ['m', 60],
    ['s', 1],
  ]);
  const parts = [];
  let left = Math.round(seconds);
  for (const [unit, size] of units) {
    if (left >= size) {
      parts.push(`${Math.floor(left / size)}${unit}`);
      left %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ') || '0s';
}

/**
 * @param {string} caption
 * @param {string[]} head
 * @param {HTMLElement[]} rows
 * @param {string} empty
 */
function table(caption, head, rows, empty) {
  if (rows.length === 0) return h('p', { class: 'muted' }, empty);
  return h(
    'table',
    {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, ...rows),
  );
}

/**
 * @param {Record<string, string | boolean | undefined>} attrs
 * @param {...(Node | string | number | undefined | null | false)} cells
 */
const row = (attrs, ...cells) => h('tr', attrs, ...cells.map((c) => h('td', {}, c)));

/** @param {{key: string, value: string}[] | undefined} tags */
const tagList = (tags) =>
  tags && tags.length > 0
    ? h('span', {}, ...tags.map((t) => h('span', { class: 'stage' }, `${t.key}=${t.value}`)))
    : '—';

/** @param {HTMLElement} target @param {Node} content */
function show(target, content) {
  target.replaceChildren(content);
}

/** @param {string} text @param {boolean} [error] */
function notify(text, error = false) {
  const box = byId('status');
  const msg = h('div', { class: error ? 'msg error' : 'msg' }, text);
  box.append(msg);
  setTimeout(() => msg.remove(), error ? 8000 : 4000);
}

// ---- Panels. ----

/** @param {Json} world */
function renderInstances(world) {
  show(
    byId('instances-body'),
    table(
      'KMS instances with their quotas and validity',
      ['Instance', 'Account / region', 'Status', 'Keys', 'Secrets', 'VPCs', 'Start', 'End'],
      world.instances.map((/** @type {Json} */ i) =>
        row(
          { 'data-instance-id': i.kmsInstanceId },
          h('span', {}, h('code', {}, i.kmsInstanceId), i.isDefault ? ' (default)' : ''),
          `${i.accountId} / ${i.regionId}`,
          h('span', {}, badge(i.status), i.expired && i.status !== 'Expired' ? ' expired' : ''),
          `${i.keysUsed} / ${i.keyQuota}`,
          `${i.secretsUsed} / ${i.secretQuota}`,
          `${i.vpcsBound} / ${i.vpcQuota}`,
          time(i.startDate),
          time(i.endDate),
        ),
      ),
      'No KMS instance yet (one is made on first use).',
    ),
  );
}

/** @param {Json} world */
function renderKeys(world) {
  show(
    byId('keys-body'),
    table(
      'Keys: spec, usage, state, versions, aliases, rotation and deletion',
      ['Key', 'Aliases', 'Spec / usage', 'State', 'Versions', 'Rotation', 'Deletion', 'Tags'],
      world.keys.map((/** @type {Json} */ k) =>
        row(
          { 'data-key-id': k.keyId },
          h(
            'span',
            {},
            h('code', {}, k.keyId),
            k.description ? h('div', { class: 'muted' }, k.description) : '',
            k.managed ? h('div', { class: 'muted' }, 'service-managed') : '',
            k.dkmsInstanceId ? h('div', { class: 'muted' }, `in ${k.dkmsInstanceId}`) : '',
          ),
          k.aliases.length
            ? h('span', {}, ...k.aliases.map((/** @type {string} */ a) => h('div', {}, h('code', {}, a))))
            : '—',
          `${k.keySpec} / ${k.keyUsage}${k.origin === 'EXTERNAL' ? ' (imported)' : ''}`,
          h('span', { class: 'key-state' }, badge(k.state)),
          h(
            'details',
            {},
            h('summary', {}, `${k.versions.length} version${k.versions.length === 1 ? '' : 's'}`),
            h(
              'ul',
              {},
              ...k.versions.map((/** @type {Json} */ v) =>
                h(
                  'li',
                  {},
                  h('code', {}, v.keyVersionId),
                  ' ',
                  time(v.creationDate),
                  v.keyVersionId === k.primaryKeyVersion ? ' (primary)' : '',
                ),
              ),
            ),
          ),
          k.automaticRotation === 'Enabled'
            ? h('span', {}, `every ${duration(k.rotationIntervalSeconds)}, next `, time(k.nextRotationDate))
            : 'off',
          k.deleteDate ? h('span', {}, 'on ', time(k.deleteDate)) : k.deletionProtection ? 'protected' : '—',
          tagList(k.tags),
        ),
      ),
      'No keys.',
    ),
  );
}

/** @param {Json} world */
function renderSecrets(world) {
  show(
    byId('secrets-body'),
    table(
      'Secrets: versions with their stages, rotation and deletion',
      ['Secret', 'Type', 'Versions and stages', 'Rotation', 'Deletion', 'Backing resource', 'Tags'],
      world.secrets.map((/** @type {Json} */ s) =>
        row(
          { 'data-secret-name': s.secretName },
          h(
            'span',
            {},
            h('code', {}, s.secretName),
            s.description ? h('div', { class: 'muted' }, s.description) : '',
            h('div', { class: 'muted' }, 'key ', h('code', {}, s.encryptionKeyId)),
          ),
          s.secretType,
          h(
            'ul',
            { class: 'versions' },
            ...s.versions.map((/** @type {Json} */ v) =>
              h(
                'li',
                { 'data-version-id': v.versionId },
                h('code', {}, v.versionId),
                ' ',
                ...v.stages.map((/** @type {string} */ st) => h('span', { class: `stage stage-${st}` }, st)),
              ),
            ),
          ),
          h(
            'span',
            { class: 'secret-rotation' },
            s.automaticRotation === 'Enabled'
              ? h('span', {}, `every ${duration(s.rotationIntervalSeconds)}, next `, time(s.nextRotationDate))
              : s.automaticRotation,
            s.lastRotationDate ? h('div', { class: 'muted' }, 'last ', time(s.lastRotationDate)) : '',
            s.rotating
              ? h('div', {}, `rotating to ${s.rotating.versionId} until `, time(s.rotating.until))
              : '',
          ),
          s.plannedDeleteTime ? h('span', {}, 'planned ', time(s.plannedDeleteTime)) : '—',
          s.backingResource
            ? h(
                'span',
                {},
                ...Object.entries(s.backingResource).map(([k, v]) =>
                  h('div', {}, `${k}: `, h('code', {}, String(v))),
                ),
              )
            : '—',
          tagList(s.tags),
        ),
      ),
      'No secrets.',
    ),
  );
}

/** Tables added by other areas, shown with whatever safe fields the server lets through. */
const ACCESS_PANELS = /** @type {[RegExp, string][]} */ ([
  [/access-?point|aap/i, 'Application access points'],
  [/polic/i, 'Policies'],
  [/network/i, 'Network rules'],
  [/client-?key/i, 'Client keys'],
]);

/** @param {Json} world */
function renderAccess(world) {
  const tables = Object.entries(world.resources ?? {});
  const section = byId('access');
  const nav = byId('nav-access');
  if (tables.length === 0) {
    section.hidden = true;
    nav.hidden = true;
    return;
  }
  section.hidden = false;
  nav.hidden = false;
  const parts = tables
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, records]) => {
      const title = ACCESS_PANELS.find(([re]) => re.test(name))?.[1] ?? name;
      const columns = [...new Set(records.flatMap((/** @type {Json} */ r) => Object.keys(r)))];
      return h(
        'div',
        { class: 'scroll', 'data-table': name },
        h('h3', {}, title),
        table(
          `${title} (table ${name})`,
          columns,
          records.map((/** @type {Json} */ r) =>
            row(
              {},
              ...columns.map((c) => {
                const v = r[c];
                return v === undefined ? '—' : Array.isArray(v) ? v.join(', ') : String(v);
              }),
            ),
          ),
          `No ${title.toLowerCase()}.`,
        ),
      );
    });
  show(byId('access-body'), h('div', {}, ...parts));
}

// ---- Access control (#25 §8): principals, policies, attachments, the mode and recent denials. ----

const MODE_NOTES = /** @type {Record<string, string>} */ ({
  enforce:
    'RAM users and sessions are denied what their policies do not allow; root pairs are never checked.',
  audit:
    'Would-be denials are recorded below but the calls go through: the way to find the policy an application needs.',
  off: 'Nothing is evaluated: every caller may do everything.',
});

/** @param {Json[] | undefined} policies */
const policyList = (policies) =>
  policies && policies.length > 0
    ? h(
        'span',
        {},
        ...policies.map((/** @type {Json} */ p) =>
          h(
            'span',
            { class: 'stage', title: `${p.policyType} policy` },
            p.policyName,
            p.policyType === 'System' ? ' (system)' : '',
          ),
        ),
      )
    : '—';

/** @param {string[] | undefined} names */
const nameList = (names) =>
  names && names.length > 0 ? h('span', {}, ...names.map((n) => h('div', {}, h('code', {}, n)))) : '—';

/**
 * @param {Json} account
 * @param {number} now virtual ms
 */
function renderAccount(account, now) {
  const id = account.accountId;
  const parts = [
    h('h3', {}, 'Account ', h('code', {}, id)),
    account.rootAccessKeys.length
      ? h(
          'p',
          { class: 'muted' },
          'Root AccessKeys (the account itself, never evaluated): ',
          ...account.rootAccessKeys.map((/** @type {Json} */ k) =>
            h(
              'span',
              { class: 'stage' },
              k.accessKeyId,
              k.name ? ` (${k.name})` : '',
              k.status === 'Active' ? '' : ` ${k.status}`,
            ),
          ),
        )
      : '',
    h(
      'div',
      { class: 'scroll' },
      table(
        `RAM users of ${id}: AccessKey ids (never secrets), groups, attached policies`,
        ['User', 'AccessKeys', 'Groups', 'Policies', 'Created'],
        account.users.map((/** @type {Json} */ u) =>
          row(
            { 'data-user-name': u.userName },
            h(
              'span',
              {},
              h('code', {}, u.userName),
              u.displayName !== u.userName ? h('div', {}, u.displayName) : '',
              h('div', { class: 'muted mono' }, u.userId),
            ),
            u.accessKeys.length
              ? h(
                  'span',
                  {},
                  ...u.accessKeys.map((/** @type {Json} */ k) =>
                    h(
                      'div',
                      { 'data-access-key-id': k.accessKeyId },
                      h('code', {}, k.accessKeyId),
                      ' ',
                      h(
                        'span',
                        { class: `badge state-${k.status === 'Active' ? 'Enabled' : 'Disabled'}` },
                        k.status,
                      ),
                    ),
                  ),
                )
              : '—',
            nameList(u.groups),
            policyList(u.policies),
            time(u.createTime),
          ),
        ),
        'No RAM users.',
      ),
    ),
    account.groups.length
      ? h(
          'div',
          { class: 'scroll' },
          table(
            `RAM groups of ${id}, with their members`,
            ['Group', 'Members', 'Policies'],
            account.groups.map((/** @type {Json} */ g) =>
              row(
                { 'data-group-name': g.groupName },
                h('code', {}, g.groupName),
                nameList(g.members),
                policyList(g.policies),
              ),
            ),
            '',
          ),
        )
      : '',
    h(
      'div',
      { class: 'scroll' },
      table(
        `RAM roles of ${id}: who may assume them (trust policy) and for how long`,
        ['Role', 'Trusted principals', 'Max session', 'Policies'],
        account.roles.map((/** @type {Json} */ r) =>
          row(
            { 'data-role-name': r.roleName },
            h(
              'span',
              {},
              h('code', {}, r.roleName),
              r.description ? h('div', { class: 'muted' }, r.description) : '',
              h('div', { class: 'muted mono' }, r.arn),
            ),
            r.trustedPrincipals.length
              ? h(
                  'span',
                  {},
                  ...r.trustedPrincipals.map((/** @type {Json} */ t) =>
                    h(
                      'div',
                      {},
                      t.effect === 'Allow' ? '' : `${t.effect} `,
                      `${t.kind} `,
                      h('code', {}, t.value),
                    ),
                  ),
                )
              : '—',
            duration(r.maxSessionDuration),
            policyList(r.policies),
          ),
        ),
        'No RAM roles.',
      ),
    ),
    h(
      'div',
      { class: 'scroll' },
      table(
        `STS sessions of ${id}, with their expiry on the virtual clock${account.sessionsTotal > account.sessions.length ? ` (the ${account.sessions.length} that expire last of ${account.sessionsTotal})` : ''}`,
        ['Session', 'AccessKey', 'Expires', 'Session policy'],
        account.sessions.map((/** @type {Json} */ s) =>
          row(
            { 'data-session-key': s.accessKeyId, 'data-expired': String(s.expired) },
            h(
              'span',
              {},
              h('code', {}, `${s.roleName}/${s.sessionName}`),
              h('div', { class: 'muted mono' }, s.arn),
            ),
            h('code', {}, s.accessKeyId),
            h(
              'span',
              { class: 'session-expiry' },
              time(s.expiration),
              ' ',
              s.expired
                ? h('span', { class: 'badge session-expired' }, 'expired')
                : h('span', { class: 'session-live' }, `in ${duration((s.expirationMs - now) / 1000)}`),
            ),
            s.sessionPolicy ? 'yes (narrows the role)' : '—',
          ),
        ),
        'No STS sessions.',
      ),
    ),
    h(
      'div',
      { class: 'scroll' },
      table(
        `Custom policies of ${id}`,
        ['Policy', 'Default version', 'Attachments', 'Updated'],
        account.policies.map((/** @type {Json} */ p) =>
          row(
            { 'data-policy-name': p.policyName },
            h(
              'span',
              {},
              h('code', {}, p.policyName),
              p.description ? h('div', { class: 'muted' }, p.description) : '',
            ),
            `${p.defaultVersion} (of ${p.versions.join(', ')})`,
            String(p.attachmentCount),
            time(p.updateTime),
          ),
        ),
        'No custom policies (system policies are attached by name).',
      ),
    ),
    h(
      'div',
      { class: 'scroll' },
      table(
        `Policy attachments of ${id}`,
        ['Policy', 'Attached to', 'Since'],
        account.attachments.map((/** @type {Json} */ a) =>
          row(
            { 'data-attachment': `${a.policyName}:${a.attachedTo}:${a.name}` },
            h('span', {}, h('code', {}, a.policyName), a.policyType === 'System' ? ' (system)' : ''),
            h('span', {}, `${a.attachedTo.toLowerCase()} `, h('code', {}, a.name)),
            time(a.attachTime),
          ),
        ),
        'No policy is attached.',
      ),
    ),
  ];
  return h('div', { class: 'authz-account', 'data-account-id': id }, ...parts);
}

/** One statement a decision names: where it is, its effect, and its text when known. @param {Json} s */
function statementItem(s) {
  const where = `${s.policy}${s.policyVersion ? ` ${s.policyVersion}` : ''} (${s.policyType}), statement ${s.statement}${s.sid ? ` "${s.sid}"` : ''}`;
  return h(
    'li',
    {},
    s.effect ? h('strong', {}, `${s.effect}: `) : h('strong', {}, 'Not evaluated: '),
    where,
    s.reason ? ` — ${s.reason}` : '',
    s.principalMatch === 'Account' ? ' (names the account only)' : '',
    s.text ? h('code', { class: 'statement' }, s.text) : '',
  );
}

/** @param {Json} d @param {boolean} open whether its statements were open before the refresh */
function denialWhy(d, open) {
  const details = [];
  if (d.matched.length)
    details.push(
      h('div', {}, 'Statements that applied:'),
      h('ul', { class: 'why-list' }, ...d.matched.map(statementItem)),
    );
  if (d.unevaluated.length)
    details.push(
      h('div', {}, 'Statements that could not be evaluated:'),
      h('ul', { class: 'why-list' }, ...d.unevaluated.map(statementItem)),
    );
  if (d.conditions.length)
    details.push(
      h(
        'div',
        {},
        'Request values tested: ',
        ...d.conditions.map((/** @type {Json} */ c) =>
          h('code', { class: 'stage' }, `${c.key}=${c.values.join(',')}`),
        ),
      ),
    );
  if (!d.matched.length && !d.unevaluated.length)
    details.push(h('div', { class: 'muted' }, 'No statement allowed it (nothing applied).'));
  return h(
    'div',
    { class: 'why' },
    h('div', { class: 'reason' }, d.reason),
    d.policyType ? h('div', { class: 'muted' }, `Decided by: ${d.policyType}`) : '',
    h('details', { open }, h('summary', {}, 'Statements'), ...details),
  );
}

/** @param {Json} world */
function renderAuthz(world) {
  const access = world.access;
  if (!access) return;
  const mode = byId('authz-mode');
  mode.textContent = access.mode;
  mode.className = `badge mode-${access.mode}`;
  byId('authz-mode-note').textContent = MODE_NOTES[access.mode] ?? '';
  show(
    byId('authz-principals'),
    access.accounts.length
      ? h('div', {}, ...access.accounts.map((/** @type {Json} */ a) => renderAccount(a, world.clock.epochMs)))
      : h(
          'p',
          { class: 'muted' },
          'No RAM identity yet: every caller is an account itself (its root pair), never evaluated.',
        ),
  );
  // The page is redrawn every poll: a denial whose statements the reader opened stays open.
  const opened = new Set(
    [...byId('authz-denials').querySelectorAll('tr[data-denial] details[open]')].map(
      (d) => /** @type {HTMLElement | null} */ (d.closest('tr'))?.dataset.denial,
    ),
  );
  show(
    byId('authz-denials'),
    table(
      `Denials: ${access.denialsTotal} recorded${access.denialsTotal > access.denials.length ? `, the newest ${access.denials.length} shown` : ''}`,
      ['Time', 'Principal', 'Operation', 'Action and resource', 'Decision', 'Why'],
      access.denials.map((/** @type {Json} */ d) =>
        row(
          { 'data-denial': d.requestId, 'data-decision': d.decision },
          time(d.time),
          h(
            'span',
            {},
            h('code', {}, d.principal.displayName),
            h('div', { class: 'muted' }, d.principal.type),
            h('div', { class: 'muted mono' }, d.accessKeyId),
          ),
          d.product && d.product !== 'Kms' ? `${d.product} ${d.operation}` : d.operation,
          h(
            'span',
            {},
            h('code', {}, d.action),
            ' on ',
            h('code', {}, d.resource),
            d.crossAccount ? h('div', { class: 'muted' }, `another account's (${d.resourceOwnerId})`) : '',
          ),
          h(
            'span',
            {},
            h('span', { class: `badge decision-${d.decision}` }, d.decision),
            d.allowedByMode
              ? h('div', { class: 'muted' }, 'let through (audit mode)')
              : h('div', { class: 'muted' }, 'refused'),
          ),
          denialWhy(d, opened.has(d.requestId)),
        ),
      ),
      'No denials.',
    ),
  );
}

/** @param {Json} world */
function renderBacking(world) {
  show(
    byId('backing-body'),
    table(
      'Simulated databases, RAM users and ECS instances (names only, never credentials)',
      ['Kind', 'ID', 'Account / region', 'Accounts / AccessKeys / users'],
      world.backingResources.map((/** @type {Json} */ r) =>
        row(
          {},
          r.kind === 'database' ? `database (${r.engine})` : r.kind,
          h('code', {}, r.id),
          r.scope,
          r.kind === 'database'
            ? r.accounts.join(', ')
            : r.kind === 'ram-user'
              ? r.accessKeyIds.map((/** @type {Json} */ k) => k.accessKeyId).join(', ')
              : r.users
                  .map(
                    (/** @type {Json} */ u) =>
                      `${u.userName}${u.password ? ' (password)' : ''}${u.publicKey ? ' (key pair)' : ''}`,
                  )
                  .join(', '),
        ),
      ),
      'No backing resources.',
    ),
  );
}

/** @param {Json} world */
function renderJobs(world) {
  const now = world.clock.epochMs;
  const jobs = [...world.jobs].sort((a, b) => a.epochMs - b.epochMs);
  if (jobs.length === 0) {
    show(byId('jobs-body'), h('p', { class: 'muted' }, 'Nothing is scheduled.'));
    return;
  }
  const span = Math.max(1, (jobs.at(-1)?.epochMs ?? now) - now);
  show(
    byId('jobs-body'),
    h(
      'ol',
      { class: 'timeline', 'aria-label': 'Jobs in the order they fall due' },
      ...jobs.map((/** @type {Json} */ j) =>
        h(
          'li',
          { 'data-job-id': j.id },
          time(j.at),
          h('span', {}, j.epochMs <= now ? 'due now' : `in ${duration((j.epochMs - now) / 1000)}`),
          h(
            'span',
            {},
            h('span', {}, h('code', {}, j.type), ' ', h('span', { class: 'muted mono' }, j.id)),
            h(
              'div',
              { class: 'bar', 'aria-hidden': 'true' },
              h('span', { 'data-left': String(Math.round(((j.epochMs - now) / span) * 100)) }),
            ),
          ),
        ),
      ),
    ),
  );
  // Positions set through the CSSOM (the page's policy allows no inline style attributes).
  for (const dot of /** @type {NodeListOf<HTMLElement>} */ (
    byId('jobs-body').querySelectorAll('.bar span')
  )) {
    dot.style.left = `calc(${Math.min(100, Math.max(0, Number(dot.dataset.left)))}% - 6px)`;
  }
}

/** @param {Json} clock */
function renderClock(clock) {
  byId('clock-now').textContent = clock.now;
  byId('clock-now').setAttribute('datetime', clock.now);
  byId('clock-state').textContent = clock.frozen ? 'frozen' : 'running';
  byId('freeze-button').textContent = clock.frozen ? 'Resume wall time' : 'Freeze the clock';
  byId('freeze-button').dataset.frozen = String(clock.frozen);
}

/** @param {Json[]} events @param {number} total */
function renderAudit(events, total) {
  const last = [...events].reverse();
  show(
    byId('audit-body'),
    table(
      `Audit journal: ${total} event${total === 1 ? '' : 's'} (newest first, at most ${AUDIT_SHOWN} shown)`,
      ['Time', 'Action', 'Principal', 'Resource', 'Version', 'Status', 'Code'],
      last.map((e) =>
        row(
          { 'data-request-id': e.requestId, 'data-action': e.action, 'data-product': e.product },
          time(e.time),
          // KMS is the emulator's main product; another product's calls are named with it.
          e.product && e.product !== 'Kms' ? `${e.product} ${e.action}` : e.action,
          h('code', {}, `${e.accessKeyId ?? '—'}${e.authFailed ? ' (failed auth)' : ''}`),
          e.resourceArn ? h('code', {}, e.resourceArn) : '—',
          e.keyVersionId ?? e.secretVersionId ?? '—',
          String(e.status),
          h('span', { class: e.code === 'Success' ? 'state-Success' : 'state-error' }, e.code),
        ),
      ),
      'No calls recorded (for these filters).',
    ),
  );
}

/** @param {Json[]} faults */
function renderFaults(faults) {
  show(
    byId('faults-body'),
    table(
      'Fault rules in force, with how often each matched and fired',
      ['Rule', 'Matches', 'Effect', 'Limits', 'Matched', 'Fired', ''],
      faults.map((f) =>
        row(
          { 'data-fault-id': f.id },
          h('code', {}, f.id),
          [
            f.product && `product ${f.product}`,
            f.action && `action ${[f.action].flat().join('|')}`,
            f.resource && `resource ${f.resource}`,
            f.principal && `principal ${f.principal}`,
          ]
            .filter(Boolean)
            .join(', ') || 'every call',
          [
            f.error && `error ${f.error.code}${f.error.status ? ` (${f.error.status})` : ''}`,
            f.latencyMs && `latency ${f.latencyMs} ms`,
            f.drop && 'drop',
          ]
            .filter(Boolean)
            .join(', '),
          [
            f.times !== undefined && `times ${f.times}`,
            f.after !== undefined && `after ${f.after}`,
            f.probability !== undefined && `p=${f.probability}`,
          ]
            .filter(Boolean)
            .join(', ') || '—',
          String(f.matched),
          String(f.fired),
          h('button', { type: 'button', class: 'secondary', 'data-remove-fault': f.id }, 'Remove'),
        ),
      ),
      'No fault rules.',
    ),
  );
}

/** @param {Json} report */
function renderCoverage(report) {
  const s = report.summary;
  const ops = report.operations.map((/** @type {Json} */ op) => {
    /** @param {string} c */
    const n = (c) => op.errors.filter((/** @type {Json} */ e) => e.coverage === c).length;
    return row(
      { 'data-operation': op.name },
      op.name,
      op.implemented ? 'yes' : h('span', { class: 'state-error' }, 'no'),
      h(
        'details',
        {},
        h(
          'summary',
          {},
          `${op.errors.length} documented: ${n('tested')} tested, ${n('producible')} producible, ${n('not-produced')} not produced`,
        ),
        h(
          'ul',
          {},
          ...op.errors.map((/** @type {Json} */ e) =>
            h(
              'li',
              {},
              h('code', {}, e.code),
              ' ',
              h('span', { class: `badge cov-${e.coverage}` }, e.coverage),
              e.tests.length ? ` — ${e.tests.join(', ')}` : '',
            ),
          ),
        ),
      ),
      op.conformance.rows.join(', ') || '—',
      String(op.conformance.clients.length),
    );
  });
  show(
    byId('coverage-body'),
    h(
      'div',
      {},
      h(
        'ul',
        { class: 'summary' },
        h('li', {}, h('strong', {}, `${s.implemented} of ${s.operations}`), ' operations implemented'),
        h(
          'li',
          {},
          `${s.documentedCodes} documented error codes: `,
          h('strong', {}, `${s.tested} tested`),
          `, ${s.producible} producible, ${s.notProduced} not produced, ${s.notImplemented} not implemented`,
        ),
      ),
      h(
        'div',
        { class: 'scroll' },
        table(
          'Operations of KMS 2016-01-20',
          ['Operation', 'Implemented', 'Error codes', 'Conformance rows', 'Clients'],
          ops,
          'No operations.',
        ),
      ),
    ),
  );
}

// ---- Refresh loop. ----

const AUDIT_SHOWN = 200;

/**
 * The newest events for the filters. A journal served in pages (`total`, `nextOffset`) is asked
 * again for its last page; one served whole is cut here.
 * @returns {Promise<{ events: Json[], total: number }>}
 */
async function auditTail() {
  const query = new URLSearchParams(auditFilter);
  query.set('limit', String(AUDIT_SHOWN));
  let data = await control('GET', `audit?${query}`);
  if (typeof data.total === 'number' && data.total > data.events.length) {
    query.set('offset', String(Math.max(0, data.total - AUDIT_SHOWN)));
    data = await control('GET', `audit?${query}`);
  }
  return { events: data.events.slice(-AUDIT_SHOWN), total: data.total ?? data.events.length };
}

/** @type {URLSearchParams} */
let auditFilter = new URLSearchParams();

async function refresh() {
  try {
    const world = await control('GET', 'world');
    renderClock(world.clock);
    renderInstances(world);
    renderKeys(world);
    renderSecrets(world);
    renderAuthz(world);
    renderAccess(world);
    renderBacking(world);
    renderJobs(world);
    const [faults, audit] = await Promise.all([
      control('GET', 'faults'),
      /** @type {HTMLInputElement} */ (byId('audit-live')).checked || !auditLoaded
        ? auditTail()
        : Promise.resolve(undefined),
    ]);
    renderFaults(faults.faults);
    if (audit) {
      renderAudit(audit.events, audit.total);
      auditLoaded = true;
    }
    document.body.dataset.refreshed = String(Date.now());
  } catch (error) {
    notify(/** @type {Error} */ (error).message, true);
  }
}
let auditLoaded = false;

/**
 * @param {string} id
 * @param {(form: HTMLFormElement) => Promise<void>} action
 */
function onSubmit(id, action) {
  const form = /** @type {HTMLFormElement} */ (byId(id));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run(() => action(form));
  });
}

/** @param {() => Promise<void>} action */
async function run(action) {
  try {
    await action();
  } catch (error) {
    notify(/** @type {Error} */ (error).message, true);
  }
  await refresh();
}

/** @param {Json} result */
function reportFired(result) {
  const fired = /** @type {Json[]} */ (result.fired ?? []);
  show(
    byId('fired'),
    h(
      'div',
      { class: 'card', 'data-fired': String(fired.length) },
      h('h3', {}, `Clock now ${result.now}: ${fired.length} job${fired.length === 1 ? '' : 's'} fired`),
      fired.length
        ? h(
            'ul',
            {},
            ...fired.map((f) => h('li', {}, time(f.at), ' ', h('code', {}, f.type), ` — ${f.result}`)),
          )
        : '',
    ),
  );
}

/** @param {HTMLFormElement} form @param {string} name */
const field = (form, name) => /** @type {HTMLInputElement} */ (form.elements.namedItem(name)).value.trim();

onSubmit('advance-form', async (form) => {
  const by = field(form, 'advance');
  reportFired(
    await control('POST', 'clock', { json: { advance: /^\d+(\.\d+)?$/.test(by) ? Number(by) : by } }),
  );
});
onSubmit('set-form', async (form) => {
  reportFired(await control('POST', 'clock', { json: { set: field(form, 'set') } }));
});
byId('freeze-button').addEventListener('click', () =>
  run(async () => {
    const frozen = byId('freeze-button').dataset.frozen === 'true';
    await control('POST', 'clock', { json: frozen ? { resume: true } : { freeze: true } });
    notify(frozen ? 'The clock follows wall time again.' : 'The clock is frozen.');
  }),
);
byId('reset-button').addEventListener('click', () => {
  if (!confirm('Reset the emulator? Every key, secret, fault and audit event is forgotten.')) return;
  run(async () => {
    await control('POST', 'reset');
    notify('The emulator was reset.');
  });
});
onSubmit('seed-form', async (form) => {
  const file = /** @type {HTMLInputElement} */ (form.elements.namedItem('seed')).files?.[0];
  if (!file) throw new Error('Choose a seed file first.');
  const text = await file.text();
  const json = /\.json$/i.test(file.name) || file.type === 'application/json';
  const loaded = await control('POST', 'seed', {
    text,
    type: json ? 'application/json' : 'application/yaml',
  });
  notify(`Seed ${file.name} loaded: ${JSON.stringify(loaded).slice(0, 200)}`);
});
byId('export-button').addEventListener('click', () =>
  run(async () => {
    const { text } = await control('GET', 'export');
    const link = h('a', {
      href: URL.createObjectURL(new Blob([text], { type: 'application/yaml' })),
      download: 'kms-emulator-seed.yaml',
    });
    link.click();
    setTimeout(() => URL.revokeObjectURL(/** @type {HTMLAnchorElement} */ (link).href), 10_000);
  }),
);
onSubmit('token-form', async (form) => {
  const value = field(form, 'token');
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
  form.reset();
  notify(value ? 'Control token set for this tab.' : 'Control token forgotten.');
});
onSubmit('audit-form', async (form) => {
  auditFilter = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    if (typeof value === 'string' && value.trim() !== '') auditFilter.set(name, value.trim());
  }
  auditLoaded = false;
});
onSubmit('fault-form', async (form) => {
  /** @type {Json} */
  const rule = {};
  for (const name of ['action', 'resource', 'principal'])
    if (field(form, name)) rule[name] = field(form, name);
  for (const name of ['latencyMs', 'times', 'after', 'probability'])
    if (field(form, name)) rule[name] = Number(field(form, name));
  if (field(form, 'code')) {
    rule.error = { code: field(form, 'code') };
    if (field(form, 'status')) rule.error.status = Number(field(form, 'status'));
  }
  if (/** @type {HTMLInputElement} */ (form.elements.namedItem('drop')).checked) rule.drop = true;
  const added = await control('POST', 'faults', { json: rule });
  notify(`Fault ${added.faults?.[0]?.id ?? ''} added.`);
  form.reset();
});
byId('clear-faults').addEventListener('click', () =>
  run(async () => {
    await control('DELETE', 'faults');
  }),
);
byId('faults-body').addEventListener('click', (event) => {
  const target = /** @type {HTMLElement} */ (event.target);
  const id = target.dataset.removeFault;
  if (id) run(async () => void (await control('DELETE', `faults/${encodeURIComponent(id)}`)));
});

control('GET', 'coverage')
  .then(renderCoverage)
  .catch((/** @type {Error} */ error) =>
    show(byId('coverage-body'), h('p', { class: 'state-error' }, error.message)),
  );
void refresh();
setInterval(() => {
  if (!document.hidden) void refresh();
}, POLL_MS);
