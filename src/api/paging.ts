import { KmsError } from '../protocol/errors.js';
import type { Params } from './params.js';

/** PageNumber (from 1) and PageSize (1–100, default 10), as every List operation takes them. */
export function paginate<T>(
  items: readonly T[],
  params: Params,
  defaultPageSize = 10,
): { page: T[]; PageNumber: number; PageSize: number; TotalCount: number } {
  const pageNumber = params.optInt('PageNumber') ?? 1;
  const pageSize = params.optInt('PageSize') ?? defaultPageSize;
  if (pageNumber < 1)
    throw new KmsError('InvalidParameter', 'The specified parameter "PageNumber" is not valid.');
  if (pageSize < 1 || pageSize > 100) {
    throw new KmsError('InvalidParameter', 'The specified parameter "PageSize" is not valid: 1 to 100.');
  }
  const start = (pageNumber - 1) * pageSize;
  return {
    page: items.slice(start, start + pageSize),
    PageNumber: pageNumber,
    PageSize: pageSize,
    TotalCount: items.length,
  };
}
