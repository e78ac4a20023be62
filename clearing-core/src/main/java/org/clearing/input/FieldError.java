package org.clearing.input;

/**
 * Why one field of a request cannot be accepted; rendered in the problem+json answer. Orders,
 * journal exports, reports and client registrations all refuse input with it, so it lives in a
 * package of its own that depends on nothing: none of them, nor the HTTP edge, has to import
 * another domain package for it.
 */
public record FieldError(String field, String reason) {}
