package dev.rawpoll.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Bad values of ./rawpoll bench and soak options are one line naming the option, not a stack trace. */
class OptionsTest {
    @Test
    void badValuesNameTheOption() {
        assertEquals("--repetitions must be an integer from 1 to 100, not 'abc'",
                assertThrows(IllegalArgumentException.class, () -> Options.integer("--repetitions", "abc", 1, 100)).getMessage());
        assertEquals("--repetitions must be an integer from 1 to 100, not '0'",
                assertThrows(IllegalArgumentException.class, () -> Options.integer("--repetitions", "0", 1, 100)).getMessage());
        assertEquals("--seconds must be a number greater than 0, not 'x'",
                assertThrows(IllegalArgumentException.class, () -> Options.positive("--seconds", "x")).getMessage());
        assertEquals("--seconds must be a number greater than 0, not '-1'",
                assertThrows(IllegalArgumentException.class, () -> Options.positive("--seconds", "-1")).getMessage());
        assertEquals("--seconds must be a number greater than 0, not 'Infinity'",
                assertThrows(IllegalArgumentException.class, () -> Options.positive("--seconds", "Infinity")).getMessage());
        assertEquals(3, Options.integer("--repetitions", " 3", 1, 100));
        assertEquals(0.5, Options.positive("--seconds", "0.5"));
    }

    @Test
    void soakSettingsReportTheOption() {
        assertEquals("--connections must be an integer from 1 to 1000000, not 'many'",
                assertThrows(IllegalArgumentException.class, () -> Soak.Settings.parse(new String[] {"--connections", "many"})).getMessage());
    }
}
