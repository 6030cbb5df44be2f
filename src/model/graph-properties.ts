/**
 * @module model/graph-properties
 * Property names of the Microsoft Graph beta resources the canonical model uses, from Microsoft's generated
 * beta typings (msgraph-beta-typescript-typings, 2025-08). Used to decide which input fields have a Graph
 * counterpart (top level) and which do not (`appwatch.extra`).
 */

export const DIRECTORY_AUDIT_PROPERTIES: ReadonlySet<string> = new Set([
  'id', 'activityDateTime', 'activityDisplayName', 'additionalDetails', 'category', 'correlationId', 'initiatedBy',
  'loggedByService', 'operationType', 'result', 'resultReason', 'targetResources', 'userAgent',
]);

export const SIGN_IN_PROPERTIES: ReadonlySet<string> = new Set([
  'id', 'agent', 'appDisplayName', 'appId', 'appliedConditionalAccessPolicies', 'appliedEventListeners',
  'appOwnerTenantId', 'appTokenProtectionStatus', 'authenticationAppDeviceDetails',
  'authenticationAppPolicyEvaluationDetails', 'authenticationContextClassReferences', 'authenticationDetails',
  'authenticationMethodsUsed', 'authenticationProcessingDetails', 'authenticationProtocol',
  'authenticationRequirement', 'authenticationRequirementPolicies', 'autonomousSystemNumber', 'azureResourceId',
  'clientAppUsed', 'clientCredentialType', 'conditionalAccessAudiences', 'conditionalAccessStatus', 'correlationId',
  'createdDateTime', 'crossTenantAccessType', 'deviceDetail', 'federatedCredentialId', 'flaggedForReview',
  'globalSecureAccessIpAddress', 'homeTenantId', 'homeTenantName', 'incomingTokenType', 'ipAddress',
  'ipAddressFromResourceProvider', 'isInteractive', 'isTenantRestricted', 'isThroughGlobalSecureAccess', 'location',
  'managedServiceIdentity', 'mfaDetail', 'networkLocationDetails', 'originalRequestId', 'originalTransferMethod',
  'privateLinkDetails', 'processingTimeInMilliseconds', 'resourceDisplayName', 'resourceId', 'resourceOwnerTenantId',
  'resourceServicePrincipalId', 'resourceTenantId', 'riskDetail', 'riskEventTypes', 'riskEventTypes_v2',
  'riskLevelAggregated', 'riskLevelDuringSignIn', 'riskState', 'servicePrincipalCredentialKeyId',
  'servicePrincipalCredentialThumbprint', 'servicePrincipalId', 'servicePrincipalName', 'sessionId',
  'sessionLifetimePolicies', 'signInEventTypes', 'signInIdentifier', 'signInIdentifierType',
  'signInTokenProtectionStatus', 'status', 'tokenIssuerName', 'tokenIssuerType', 'tokenProtectionStatusDetails',
  'uniqueTokenIdentifier', 'userAgent', 'userDisplayName', 'userId', 'userPrincipalName', 'userType',
]);
