/**
 * Stands in for @aws-sdk/credential-provider-node in the Lambda bundles (bundle-settings.ts aliases
 * it here). Lambda hands every function its execution role's credentials as AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, which the SDK's default chain reads first. The rest
 * of that chain (profiles, SSO, web identity, credential processes, instance metadata) and the STS
 * and SSO clients it carries are ~120 KB that every bundle parsed at each cold start and no
 * function ever ran. @aws-sdk/credential-provider-env is the SDK's own first link of that chain.
 */
export { fromEnv as defaultProvider } from '@aws-sdk/credential-provider-env';
