/**
 * RAM 2015-05-01's documented error codes with their HTTP statuses and messages. Sources: the
 * "错误信息" sections of RAM's API reference (AlibabaCloudDocs/ram, API 参考（RAM）: CreateUser,
 * DeleteUser, CreateAccessKey, CreateRole …), found with the code search for
 * `DeleteConflict.User.AccessKey`, `LimitExceeded.User.AccessKey` and `EntityAlreadyExists.Role`;
 * the same families (EntityNotExist 404, EntityAlreadyExists / DeleteConflict / LimitExceeded 409,
 * InvalidParameter / MalformedPolicyDocument 400) for the codes of the other operations, whose
 * pages use the same statuses. `NoPermission` 403: facts ram-authorization.md §7.
 */
type Entry = [string, { status: number; message: string }];

const notFound = (code: string, message: string): Entry => [code, { status: 404, message }];
const conflict = (code: string, message: string): Entry => [code, { status: 409, message }];
const invalid = (code: string, message: string): Entry => [code, { status: 400, message }];

export const RAM_ERROR_CODES: Entry[] = [
  // Users and AccessKeys (DeleteUser, CreateAccessKey pages).
  invalid('InvalidParameter.UserName.InvalidChars', 'The parameter - "UserName" contains invalid chars.'),
  invalid('InvalidParameter.UserName.Length', 'The parameter - "UserName" beyond the length limit.'),
  invalid('InvalidParameter.DisplayName.Length', 'The parameter - "DisplayName" beyond the length limit.'),
  invalid('InvalidParameter.Status', 'The parameter - "Status" must be Active or Inactive.'),
  notFound('EntityNotExist.User', 'The user does not exist.'),
  conflict('EntityAlreadyExists.User', 'The user does already EXIST.'),
  conflict('DeleteConflict.User.Group', 'The user CAN NOT be in any group while deleting the user.'),
  conflict('DeleteConflict.User.AccessKey', 'The user CAN NOT has any access key while deleting the user.'),
  conflict('DeleteConflict.User.Policy', 'The user CAN NOT has any attached policy while deleting the user.'),
  conflict(
    'LimitExceeded.User.AccessKey',
    'The access key count of the user access keys beyond the current limits.',
  ),
  notFound('EntityNotExist.User.AccessKey', 'The access key does not exist.'),
  // Login profiles and MFA devices: the codes the Terraform provider (1.240.0) expects of
  // DeleteLoginProfile, GetLoginProfile, DeleteUser and UnbindMFADevice, in the families above.
  invalid('InvalidParameter.Password', 'The parameter - "Password" does not meet the password policy.'),
  notFound('EntityNotExist.User.LoginProfile', 'The login profile of the user does not exist.'),
  conflict('EntityAlreadyExists.User.LoginProfile', 'The login profile of the user does already EXIST.'),
  conflict(
    'DeleteConflict.User.LoginProfile',
    'The user CAN NOT has any login profile while deleting the user.',
  ),
  notFound('EntityNotExist.User.MFADevice', 'The user has not bound any MFA device.'),
  // Groups.
  invalid('InvalidParameter.GroupName.InvalidChars', 'The parameter - "GroupName" contains invalid chars.'),
  notFound('EntityNotExist.Group', 'The group does not exist.'),
  conflict('EntityAlreadyExists.Group', 'The group does already EXIST.'),
  conflict('EntityAlreadyExists.User.Group', 'The user has already been in the group.'),
  notFound('EntityNotExist.User.Group', 'The user is not in the group.'),
  conflict('DeleteConflict.Group.User', 'The group CAN NOT have any user while deleting the group.'),
  conflict(
    'DeleteConflict.Group.Policy',
    'The group CAN NOT have any attached policy while deleting the group.',
  ),
  // Roles (CreateRole page; MaxSessionDuration bounds from UpdateRole, facts §7).
  invalid('InvalidParameter.RoleName.InvalidChars', 'The parameter - "RoleName" contains invalid chars.'),
  invalid('InvalidParameter.RoleName.Length', 'The parameter - "RoleName" beyond the length limit.'),
  invalid('InvalidParameter.MaxSessionDuration', 'The parameter - "MaxSessionDuration" is out of range.'),
  notFound('EntityNotExist.Role', 'The role does not exist.'),
  conflict('EntityAlreadyExists.Role', 'The role does already EXIST.'),
  conflict(
    'DeleteConflict.Role.Policy',
    'The role CAN NOT have any attached policy while deleting the role.',
  ),
  // Policies, versions and attachments.
  invalid('InvalidParameter.PolicyName.InvalidChars', 'The parameter - "PolicyName" contains invalid chars.'),
  invalid('InvalidParameter.PolicyType', 'The parameter - "PolicyType" must be System or Custom.'),
  invalid('InvalidParameter.PolicyDocument', 'The parameter - "PolicyDocument" is not valid.'),
  invalid('MalformedPolicyDocument', 'The policy document is malformed.'),
  notFound('EntityNotExist.Policy', 'The policy does not exist.'),
  conflict('EntityAlreadyExists.Policy', 'The policy does already EXIST.'),
  notFound('EntityNotExist.Policy.Version', 'The policy version does not exist.'),
  conflict('LimitExceeded.Policy.Version', 'The count of policy versions beyond the current limits.'),
  conflict(
    'DeleteConflict.Policy.User',
    'The policy CAN NOT be attached to any user while deleting the policy.',
  ),
  conflict(
    'DeleteConflict.Policy.Group',
    'The policy CAN NOT be attached to any group while deleting the policy.',
  ),
  conflict(
    'DeleteConflict.Policy.Role',
    'The policy CAN NOT be attached to any role while deleting the policy.',
  ),
  conflict(
    'DeleteConflict.Policy.Version',
    'The policy CAN NOT have any non-default version while deleting the policy.',
  ),
  conflict('DeleteConflict.PolicyVersion.Default', 'The default policy version CAN NOT be deleted.'),
  conflict('EntityAlreadyExists.User.Policy', 'The policy has already been attached to the user.'),
  conflict('EntityAlreadyExists.Group.Policy', 'The policy has already been attached to the group.'),
  conflict('EntityAlreadyExists.Role.Policy', 'The policy has already been attached to the role.'),
  notFound('EntityNotExist.User.Policy', 'The policy is not attached to the user.'),
  notFound('EntityNotExist.Group.Policy', 'The policy is not attached to the group.'),
  notFound('EntityNotExist.Role.Policy', 'The policy is not attached to the role.'),
  [
    'NoPermission',
    { status: 403, message: 'You are not authorized to do this action. You should be authorized by RAM.' },
  ],
];
