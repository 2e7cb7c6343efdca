import GradioClient

/// A ZeroGPU Space out of GPU time says so as the app's error ("You have exceeded your GPU
/// quota (60s requested vs. 43s left). Create a free account to get more daily usage quota.").
/// The Space's words are shown as it wrote them; a signed-in request gets a larger quota, so
/// when no token went with it, one line says how.
public enum ZeroGPUQuota {
    public static let hint = "set HF_TOKEN to a Hugging Face token for a larger ZeroGPU quota"

    public static func isQuotaError(_ error: GradioError) -> Bool {
        let text = error.message.lowercased()
        return error.code == .upstream && text.contains("quota") && text.contains("gpu")
    }

    /// The error with the hint added when it is a quota error and no token was sent.
    public static func annotate(_ error: GradioError, tokenSent: Bool) -> GradioError {
        guard !tokenSent, isQuotaError(error) else { return error }
        return GradioError(error.code, error.message + "; " + hint)
    }
}
