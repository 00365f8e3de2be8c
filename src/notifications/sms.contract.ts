/**
 * The HTTP JSON contract of an SMS brandname gateway, modelled on eSMS.vn's "Send OTP/Customer care message" API
 * (POST https://rest.esms.vn/MainService.svc/json/SendMultipleMessage_V4_post_json/, documented at
 * developers.esms.vn › eSMS API › Send SMS API, and its "Callback Url" page). What we rely on:
 * - the request's ApiKey, SecretKey, Phone, Content, Brandname, SmsType ("2": customer care), IsUnicode ("1": with
 *   diacritics), Sandbox, RequestId ("the identification value for the request to prevent the request from
 *   duplicated": our idempotency key, one per notification) and CallbackUrl (where the delivery status goes);
 * - the answer's CodeResult ("100": accepted; anything else refused, with ErrorMessage) and SMSID (the gateway's id);
 * - the callback's SMSID, RequestId, SendStatus ("5": sent successfully, "4": rejected; "1", "2", "7": not final),
 *   phonenumber and telcoid. eSMS calls back by HTTP GET with these as query parameters; our simulator POSTs them as
 *   JSON to the same URL; the webhook (POST or GET) reads both.
 * eSMS does not sign its callbacks: we put our own signature in the CallbackUrl we give (sig = HMAC of the RequestId),
 * so a report for a message can only come from whoever was given that message's URL.
 */

export const SMS_SEND_PATH = '/MainService.svc/json/SendMultipleMessage_V4_post_json/';

export interface SmsSendRequest {
  ApiKey: string;
  SecretKey: string;
  Phone: string;
  Content: string;
  Brandname: string;
  /** "2": customer care (the notices' type). */
  SmsType: string;
  /** "1": the content has Vietnamese diacritics (UCS-2, 70 characters a segment). */
  IsUnicode: string;
  /** "1": validate only, send nothing. */
  Sandbox: string;
  /** Our id of the message: the gateway sends one message per RequestId, however often it is asked. */
  RequestId: string;
  CallbackUrl: string;
}

export interface SmsSendResponse {
  /** "100": accepted. */
  CodeResult: string;
  SMSID?: string;
  ErrorMessage?: string;
  CountRegenerate?: number;
}

/** The gateway's accepted code. */
export const SMS_ACCEPTED = '100';

/** The delivery report the gateway sends to CallbackUrl. */
export interface SmsDeliveryReport {
  SMSID: string;
  RequestId: string;
  /** "5": delivered; "4": rejected (failed); "1", "2", "7": not final. */
  SendStatus: string;
  phonenumber?: string;
  telcoid?: string;
  TypeId?: string;
}

export const SEND_STATUS_DELIVERED = '5';
export const SEND_STATUS_FAILED = '4';
