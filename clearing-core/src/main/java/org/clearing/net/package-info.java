/**
 * Network values the engine's settings and its webhook checks share — address ranges — kept below
 * both, so that configuration never depends on the outbox that uses it.
 */
package org.clearing.net;
