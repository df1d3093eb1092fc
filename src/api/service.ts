import { defineOperations } from './registry.js';

defineOperations({
  DescribeRegions: (_params, { product }) => ({
    Regions: { Region: product.spec.endpoints.map(({ regionId }) => ({ RegionId: regionId })) },
  }),

  DescribeAccountKmsStatus: (_params, { world, scope }) => ({
    AccountStatus: world.accounts.status(scope.accountId),
  }),

  OpenKmsService: (_params, { world, scope }) => {
    world.accounts.openService(scope.accountId);
    return {};
  },
});
