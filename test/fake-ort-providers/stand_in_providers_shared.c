/* A stand-in for libonnxruntime_providers_shared.so: onnxruntime loads it first and hands it its
 * ProviderHost; the stand-in provider never calls back, so there is nothing to keep. */
void Provider_SetHost(void* host) { (void)host; }
