package org.clearing.load.driver;

import java.net.http.HttpResponse;
import java.sql.Connection;
import org.clearing.channel.Channel;
import org.clearing.client.RequestSigner;

/**
 * What the audits and the API caller need of the system they check: the engine's database, its
 * public URL, a signer per API client role, and the channels' own records. One engine with its
 * in-process sandboxes ({@link Harness}) and the high-availability cluster ({@link HaCluster}: two
 * engines behind HAProxy, one sandbox process) are both audited the same way.
 */
public interface SystemUnderTest {

  /** A connection to the engine's database (for the cluster: the leader, through HAProxy). */
  Connection jdbc() throws java.sql.SQLException;

  /** Where the engine's API is called (for the cluster: HAProxy's HTTP front). */
  String baseUrl();

  /** The signer of the API client of {@code role} (registration, tax, finance, admin). */
  RequestSigner signer(String role) throws Exception;

  /** A signed GET of the engine's API; the answer's status and body. */
  HttpResponse<String> signedGet(String role, String path) throws Exception;

  /** A GET of a sandbox's own control endpoints (its records of payments, refunds, callbacks). */
  HttpResponse<String> sandboxGet(Channel channel, String path) throws Exception;
}
