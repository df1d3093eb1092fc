import type { OperationContext } from '../api/product.js';
import type { LoginProfileRecord } from '../domain/ram/directory.js';
import type { AccessKeyStatus, RamUserRecord } from '../domain/ram/identities.js';
import { KmsError } from '../protocol/errors.js';
import { accountOf, answer, date, page, ramName } from './answers.js';
import { ram } from './product.js';

/** RAM users and their AccessKeys: records of `world.identities`, so a key made here signs at once. */
export function userView(user: RamUserRecord): Record<string, unknown> {
  return {
    UserId: user.userId,
    UserName: user.userName,
    DisplayName: user.displayName,
    Comments: user.comments,
    Email: user.email,
    MobilePhone: user.mobilePhone,
    CreateDate: date(user.createTime),
    UpdateDate: date(user.updateTime),
  };
}

/** The user a key operation names, or the calling RAM user itself when UserName is left out. */
function keyOwner(params: { optString(name: string): string | undefined }, ctx: OperationContext): string {
  const named = params.optString('UserName');
  if (named) return named;
  if (ctx.principal.type === 'SubUser' && ctx.principal.userName) return ctx.principal.userName;
  // The root's own AccessKeys are not managed through the API here: root pairs are the emulator's
  // configuration or a seed's principals (README, Credentials).
  throw new KmsError(
    'MissingParameter',
    'The input parameter "UserName" that is mandatory for processing this request is not supplied.',
  );
}

function status(value: string): AccessKeyStatus {
  if (value !== 'Active' && value !== 'Inactive') throw new KmsError('InvalidParameter.Status');
  return value;
}

ram.define({
  CreateUser: (params, ctx) => {
    const displayName = params.optString('DisplayName');
    if (displayName !== undefined && displayName.length > 128)
      throw new KmsError('InvalidParameter.DisplayName.Length');
    const user = ctx.world.identities.createUser(accountOf(ctx), {
      userName: ramName(params, 'UserName'),
      displayName,
      comments: params.optString('Comments'),
      email: params.optString('Email'),
      mobilePhone: params.optString('MobilePhone'),
    });
    return answer(ctx, { User: userView(user) });
  },

  GetUser: (params, ctx) =>
    answer(ctx, {
      User: userView(ctx.world.identities.requireUser(accountOf(ctx), params.string('UserName'))),
    }),

  UpdateUser: (params, ctx) => {
    const newUserName = params.optString('NewUserName');
    if (newUserName !== undefined) ramName(params, 'NewUserName');
    const user = ctx.world.ram.updateUser(accountOf(ctx), params.string('UserName'), {
      newUserName,
      displayName: params.optString('NewDisplayName'),
      comments: params.optString('NewComments'),
      email: params.optString('NewEmail'),
      mobilePhone: params.optString('NewMobilePhone'),
    });
    return answer(ctx, { User: userView(user) });
  },

  DeleteUser: (params, ctx) => {
    ctx.world.ram.deleteUser(accountOf(ctx), params.string('UserName'));
    return {};
  },

  ListUsers: (params, ctx) => {
    const listed = page(ctx.world.identities.listUsers(accountOf(ctx)), params);
    return answer(ctx, {
      Users: { User: listed.items.map(userView) },
      IsTruncated: listed.IsTruncated,
      Marker: listed.Marker,
    });
  },

  CreateAccessKey: (params, ctx) => {
    const key = ctx.world.identities.createAccessKey(accountOf(ctx), keyOwner(params, ctx));
    return answer(ctx, {
      AccessKey: {
        AccessKeyId: key.accessKeyId,
        AccessKeySecret: key.accessKeySecret,
        Status: key.status,
        CreateDate: date(key.createTime),
      },
    });
  },

  UpdateAccessKey: (params, ctx) => {
    ctx.world.identities.updateAccessKey(
      accountOf(ctx),
      keyOwner(params, ctx),
      params.string('UserAccessKeyId'),
      status(params.string('Status')),
    );
    return {};
  },

  DeleteAccessKey: (params, ctx) => {
    ctx.world.identities.deleteAccessKey(
      accountOf(ctx),
      keyOwner(params, ctx),
      params.string('UserAccessKeyId'),
    );
    return {};
  },

  ListAccessKeys: (params, ctx) => {
    const keys = ctx.world.identities.accessKeys(accountOf(ctx), keyOwner(params, ctx));
    return answer(ctx, {
      AccessKeys: {
        AccessKey: keys.map((k) => ({
          AccessKeyId: k.accessKeyId,
          Status: k.status,
          CreateDate: date(k.createTime),
        })),
      },
    });
  },

  // Console logon: the emulator keeps the profile (its flags, a hash of the password) so that
  // DeleteUser refuses a user who still has one, as RAM does.
  CreateLoginProfile: (params, ctx) => {
    const profile = ctx.world.ram.createLoginProfile(accountOf(ctx), keyOwner(params, ctx), {
      password: params.string('Password'),
      passwordResetRequired: params.optBool('PasswordResetRequired'),
      mfaBindRequired: params.optBool('MFABindRequired'),
    });
    return answer(ctx, { LoginProfile: loginProfileView(profile) });
  },

  GetLoginProfile: (params, ctx) =>
    answer(ctx, {
      LoginProfile: loginProfileView(ctx.world.ram.loginProfile(accountOf(ctx), keyOwner(params, ctx))),
    }),

  UpdateLoginProfile: (params, ctx) => {
    ctx.world.ram.updateLoginProfile(accountOf(ctx), keyOwner(params, ctx), {
      password: params.optString('Password'),
      passwordResetRequired: params.optBool('PasswordResetRequired'),
      mfaBindRequired: params.optBool('MFABindRequired'),
    });
    return {};
  },

  DeleteLoginProfile: (params, ctx) => {
    ctx.world.ram.deleteLoginProfile(accountOf(ctx), keyOwner(params, ctx));
    return {};
  },

  // MFA devices are not emulated: no user has one bound.
  UnbindMFADevice: (params, ctx) => {
    ctx.world.identities.requireUser(accountOf(ctx), keyOwner(params, ctx));
    throw new KmsError('EntityNotExist.User.MFADevice');
  },
});

function loginProfileView(profile: LoginProfileRecord): Record<string, unknown> {
  return {
    UserName: profile.userName,
    PasswordResetRequired: profile.passwordResetRequired,
    MFABindRequired: profile.mfaBindRequired,
    CreateDate: date(profile.createTime),
  };
}
