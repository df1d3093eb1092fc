type Entry = [string, { status: number; message: string }];

const invalid = (code: string, message: string): Entry => [code, { status: 400, message }];
const notFound = (code: string, message: string): Entry => [code, { status: 404, message }];

/**
 * STS 2015-04-01's documented AssumeRole errors (facts ram-authorization.md §7, from AlibabaCloudDocs/ram
 * …/AssumeRole.md): 400 InvalidParameter.*, 403 NoPermission, 404 EntityNotExist.Role.
 */
export const STS_ERROR_CODES: Entry[] = [
  invalid('InvalidParameter.RoleArn', 'The parameter RoleArn is wrongly formed.'),
  invalid('InvalidParameter.RoleSessionName', 'The parameter RoleSessionName is wrongly formed.'),
  invalid('InvalidParameter.DurationSeconds', 'The Min/Max value of DurationSeconds is 15min/1hr.'),
  invalid('InvalidParameter.PolicyGrammar', 'The parameter Policy has not passed grammar check.'),
  invalid('InvalidParameter.PolicySize', 'The size of Policy must be smaller than 2048 bytes.'),
  [
    'NoPermission',
    { status: 403, message: 'You are not authorized to do this action. You should be authorized by RAM.' },
  ],
  notFound('EntityNotExist.Role', 'The specified Role not exists.'),
];
