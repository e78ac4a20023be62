package org.clearing.channel;

import java.nio.file.Path;
import java.time.LocalDate;

/** A channel's bill for one business day, saved byte for byte as the channel served it. */
public record BillFile(Channel channel, LocalDate day, Path path) {}
