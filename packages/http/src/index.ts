export { createPoliteClient, politeClientFromConfig, type PoliteClientSettings } from './client';
export { isForbiddenAddress, hostKey, portAllowed } from './address';
export { computeBackoffMs, parseRetryAfter, type BackoffOptions } from './backoff';
export type {
  ContentTypeRule,
  FetchError,
  FetchErrorCode,
  FetchErrorInfo,
  FetchKind,
  FetchNotModified,
  FetchOk,
  FetchOptions,
  FetchResult,
  PoliteClient,
  PoliteClientOptions,
  PostFormResult,
} from './types';
