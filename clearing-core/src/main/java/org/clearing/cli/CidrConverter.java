package org.clearing.cli;

import org.clearing.net.Cidr;
import picocli.CommandLine;

/**
 * Reads an address range such as {@code 10.20.0.0/16} or {@code fd00::/8}, and refuses anything
 * else with the option named (picocli then exits 2 before anything starts). Kept as text: the
 * engine's configuration holds ranges the way the operator wrote them.
 */
public final class CidrConverter implements CommandLine.ITypeConverter<String> {

  @Override
  public String convert(String value) {
    try {
      Cidr.parse(value);
      return value.strip();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }
}
