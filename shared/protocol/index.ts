/**
 * The edge ↔ hub wire protocol (docs/protocol.md): frame definitions, the stateless control-frame
 * codecs, and the per-connection EdgeEncoder and HubDecoder. Transports import from here.
 */
export { CloseCode, ProtocolError, MAX_CLOSE_REASON_BYTES, type CloseCodeValue } from './errors.ts';
export * from './frames.ts';
export {
  encodeHello,
  encodeWelcome,
  encodeRefuse,
  encodeAck,
  encodePing,
  encodePong,
  encodeClose,
  encodeMetadata,
  encodeTargets,
  decodeHubFrame,
  type HubFrame,
} from './control.ts';
export { EdgeEncoder, type EdgeEncoderOptions } from './edge-encoder.ts';
export { HubDecoder, type DecodedBatch, type EdgeFrame, type HubDecoderOptions, type SeriesResolver } from './hub-decoder.ts';
