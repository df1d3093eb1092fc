import { defineOperations } from './registry.js';
import { endpoints } from './spec.js';

defineOperations({
  DescribeRegions: () => ({
    Regions: { Region: endpoints.map(({ regionId }) => ({ RegionId: regionId })) },
  }),

  DescribeAccountKmsStatus: (_params, { world, scope }) => ({
    AccountStatus: world.accounts.status(scope.accountId),
  }),

  OpenKmsService: (_params, { world, scope }) => {
    world.accounts.openService(scope.accountId);
    return {};
  },
});
