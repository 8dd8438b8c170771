# Homebrew formula for pxscript (issue 22). Untested here (no macOS on the
# build machine): see packaging/homebrew/README.md.
class Pxscript < Formula
  desc "Automate client conversations in Pixieset Studio with Lua scripts"
  homepage "https://github.com/pxscript/pxscript"
  url "https://github.com/pxscript/pxscript/archive/refs/tags/v0.1.0.tar.gz"
  sha256 "REPLACE_WITH_THE_SHA256_OF_THE_TAGGED_SOURCE"
  license "Apache-2.0"

  depends_on "pkg-config" => :build
  depends_on xcode: ["16.0", :build]
  # Homebrew's `lua` is 5.5; pxscript embeds 5.4, which is keg-only.
  depends_on "lua@5.4"

  def install
    ENV.prepend_path "PKG_CONFIG_PATH", Formula["lua@5.4"].opt_lib/"pkgconfig"
    system "swift", "build", "--disable-sandbox", "-c", "release", "--product", "pxscript"
    bin.install ".build/release/pxscript"
    system "python3", "scripts/manpage.py", bin/"pxscript", out: "pxscript.1"
    man1.install "pxscript.1"
    generate_completions_from_executable(bin/"pxscript", "--generate-completion-script")
  end

  # `brew services start pxscript` runs the scripts in ~/pxscript (one daemon per account).
  service do
    run [opt_bin/"pxscript", "watch", Dir.home + "/pxscript"]
    keep_alive successful_exit: false
    working_dir Dir.home + "/pxscript"
    log_path var/"log/pxscript.log"
    error_log_path var/"log/pxscript.log"
  end

  test do
    assert_match version.to_s, shell_output("#{bin}/pxscript --version")
    (testpath/"hello.lua").write("return 1 + 1\n")
    assert_match "2", shell_output("#{bin}/pxscript run #{testpath}/hello.lua --sandbox")
  end
end
