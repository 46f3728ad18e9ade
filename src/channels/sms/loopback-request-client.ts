import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';

/**
 * Sends the real twilio SDK's requests to a loopback fake: `edge`/`region` can only rename
 * api.twilio.com, so the URI is rewritten here (measured-here.md §4). For tests and the demo;
 * it refuses any base that is not loopback, so it cannot quietly send real traffic elsewhere.
 */
export class LoopbackRequestClient extends twilio.RequestClient {
  private readonly base: string;

  constructor(base: string) {
    super();
    const url = new URL(base);
    if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
      throw new Error('LoopbackRequestClient only talks to 127.0.0.1, localhost or [::1]');
    }
    this.base = url.origin;
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const target = new URL(opts.uri);
    return super.request<TData>({ ...opts, uri: `${this.base}${target.pathname}${target.search}` });
  }
}
