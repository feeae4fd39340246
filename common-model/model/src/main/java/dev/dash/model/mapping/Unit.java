package dev.dash.model.mapping;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Units the {@code unit} transform converts between. Each is {@code base = (value + shift) * num / den} in
 * its dimension's base unit; keeping the factor as a ratio of integers makes common conversions exact
 * (1500 ms is 1.5 s, 212 F is 100 C).
 */
enum Unit {
    C("C", "temperature", 0, 1, 1),
    F("F", "temperature", -32, 5, 9),
    K("K", "temperature", -273.15, 1, 1),

    NS("ns", "time", 0, 1, 1_000_000_000),
    US("us", "time", 0, 1, 1_000_000),
    MS("ms", "time", 0, 1, 1_000),
    S("s", "time", 0, 1, 1),
    MIN("min", "time", 0, 60, 1),
    H("h", "time", 0, 3_600, 1),
    D("d", "time", 0, 86_400, 1),

    BIT("bit", "data", 0, 1, 8),
    BYTE("B", "data", 0, 1, 1),
    KB("kB", "data", 0, 1_000, 1),
    MB("MB", "data", 0, 1_000_000, 1),
    GB("GB", "data", 0, 1_000_000_000, 1),
    TB("TB", "data", 0, 1_000_000_000_000L, 1),
    KIB("KiB", "data", 0, 1L << 10, 1),
    MIB("MiB", "data", 0, 1L << 20, 1),
    GIB("GiB", "data", 0, 1L << 30, 1),
    TIB("TiB", "data", 0, 1L << 40, 1),

    MM("mm", "length", 0, 1, 1_000),
    CM("cm", "length", 0, 1, 100),
    M("m", "length", 0, 1, 1),
    KM("km", "length", 0, 1_000, 1),
    IN("in", "length", 0, 254, 10_000),
    FT("ft", "length", 0, 3_048, 10_000),
    YD("yd", "length", 0, 9_144, 10_000),
    MI("mi", "length", 0, 1_609_344, 1_000),

    MG("mg", "mass", 0, 1, 1_000_000),
    G("g", "mass", 0, 1, 1_000),
    KG("kg", "mass", 0, 1, 1),
    OZ("oz", "mass", 0, 28_349_523_125L, 1_000_000_000_000L),
    LB("lb", "mass", 0, 45_359_237, 100_000_000),

    MPS("m/s", "speed", 0, 1, 1),
    KMH("km/h", "speed", 0, 1_000, 3_600),
    MPH("mph", "speed", 0, 1_609_344, 3_600_000),
    KN("kn", "speed", 0, 1_852, 3_600),

    PA("Pa", "pressure", 0, 1, 1),
    HPA("hPa", "pressure", 0, 100, 1),
    KPA("kPa", "pressure", 0, 1_000, 1),
    MBAR("mbar", "pressure", 0, 100, 1),
    BAR("bar", "pressure", 0, 100_000, 1),
    PSI("psi", "pressure", 0, 689_475_729_316_836L, 100_000_000_000L),

    J("J", "energy", 0, 1, 1),
    KJ("kJ", "energy", 0, 1_000, 1),
    WH("Wh", "energy", 0, 3_600, 1),
    KWH("kWh", "energy", 0, 3_600_000, 1),

    W("W", "power", 0, 1, 1),
    KW("kW", "power", 0, 1_000, 1),
    MW("MW", "power", 0, 1_000_000, 1),

    RATIO("ratio", "fraction", 0, 1, 1),
    PERCENT("%", "fraction", 0, 1, 100),
    PPM("ppm", "fraction", 0, 1, 1_000_000);

    final String symbol;
    final String dimension;
    final double shift;
    final double num;
    final double den;

    Unit(String symbol, String dimension, double shift, long num, long den) {
        this.symbol = symbol;
        this.dimension = dimension;
        this.shift = shift;
        this.num = num;
        this.den = den;
    }

    static Unit bySymbol(String symbol) {
        for (Unit u : values()) {
            if (u.symbol.equals(symbol)) {
                return u;
            }
        }
        return null;
    }

    static String symbols() {
        return Arrays.stream(values()).map(u -> u.symbol).collect(Collectors.joining(", "));
    }

    /** Converts a value from this unit to another of the same dimension. */
    double convert(double value, Unit to) {
        if (this == to) {
            return value;
        }
        double base = (value + shift) * num / den;
        return base * to.den / to.num - to.shift;
    }
}
