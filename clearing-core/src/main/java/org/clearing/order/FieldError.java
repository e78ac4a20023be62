package org.clearing.order;

/** Why one field of a request cannot be accepted; rendered in the problem+json answer. */
public record FieldError(String field, String reason) {}
