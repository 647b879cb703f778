export { MetaGraphModule, META_GRAPH_OPTIONS } from './meta-graph.module';
export type { MetaGraphModuleAsyncOptions } from './meta-graph.module';
export { MetaGraphClient } from './meta-graph.client';
export { MetaGraphError, isMetaGraphError } from './meta-graph.error';
export type { MetaErrorReason, MetaGraphErrorInit } from './meta-graph.error';
export { classifyGraphFailure, retryAfterFromHeaders } from './classify-graph-error.util';
export type { GraphFailure, GraphErrorBody } from './classify-graph-error.util';
export type * from './meta-graph.types';
export { appSecretProof } from './appsecret-proof.util';
export { verifyHubSignature, computeHubSignature, verifyHubChallenge } from './hub-signature.util';
export type { HubChallengeResult } from './hub-signature.util';
export { parseSignedRequest, createSignedRequest } from './signed-request.util';
export type {
  SignedRequestPayload,
  SignedRequestResult,
  SignedRequestFailure,
} from './signed-request.util';
export {
  parseInstagramWebhook,
  parseInstagramMessagingItem,
  conversationKeyOf,
} from './instagram-webhook.util';
export type * from './instagram-webhook.types';
export type { JsonObject, JsonValue } from './json.types';
export { splitMessageText, META_TEXT_MAX_BYTES } from './split-message-text.util';
