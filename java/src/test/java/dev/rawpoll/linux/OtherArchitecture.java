package dev.rawpoll.linux;

import dev.rawpoll.internal.Platform;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The library as it initialises on another architecture, in this JVM: module {@code dev.rawpoll}
 * loaded a second time, from the same classes, into a module layer of its own, with {@code os.arch}
 * set to that architecture while its {@code Platform} initialises (and restored right after). Its
 * {@code Epoll} and {@code Sockets} then hold the layouts and constants they would hold there. The
 * JVM itself is not fooled: the FFM linker took the real architecture at startup, so nothing
 * loaded here may call into C with a layout of the other one (linking the calls is harmless: the
 * descriptors are the same on every LP64 Linux).
 */
final class OtherArchitecture {
    private static final String MODULE = "dev.rawpoll";

    private final ClassLoader loader;

    private OtherArchitecture(ClassLoader loader) {
        this.loader = loader;
    }

    /** A fresh copy of the library whose {@code Platform} saw {@code os.arch} = {@code osArch}. */
    static OtherArchitecture of(String osArch) throws Exception {
        Path classes = Path.of(Platform.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ModuleLayer boot = ModuleLayer.boot();
        Configuration configuration = boot.configuration().resolve(ModuleFinder.of(classes), ModuleFinder.of(), Set.of(MODULE));
        ModuleLayer.Controller controller =
                ModuleLayer.defineModulesWithOneLoader(configuration, List.of(boot), ClassLoader.getPlatformClassLoader());
        Module copy = controller.layer().findModule(MODULE).orElseThrow();
        controller.enableNativeAccess(copy);
        for (String pkg : List.of("dev.rawpoll.internal", "dev.rawpoll.linux")) {
            controller.addOpens(copy, pkg, OtherArchitecture.class.getModule());
        }
        ClassLoader loader = controller.layer().findLoader(MODULE);
        String real = System.getProperty("os.arch");
        System.setProperty("os.arch", osArch);
        try {
            Class.forName("dev.rawpoll.internal.Platform", true, loader);
        } finally {
            System.setProperty("os.arch", real);
        }
        return new OtherArchitecture(loader);
    }

    /** The class {@code name} of this copy, initialised. */
    Class<?> load(String name) throws ClassNotFoundException {
        return Class.forName(name, true, loader);
    }
}
