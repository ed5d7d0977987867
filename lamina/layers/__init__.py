"""`lamina.layers`: every layer, by family, plus serialize/deserialize."""

from lamina.layers.activations.elu import ELU
from lamina.layers.activations.leaky_relu import LeakyReLU
from lamina.layers.activations.prelu import PReLU
from lamina.layers.activations.relu import ReLU
from lamina.layers.activations.softmax import Softmax
from lamina.layers.attention.additive_attention import AdditiveAttention
from lamina.layers.attention.attention import Attention
from lamina.layers.attention.grouped_query_attention import GroupQueryAttention
from lamina.layers.attention.grouped_query_attention import GroupedQueryAttention
from lamina.layers.attention.multi_head_attention import MultiHeadAttention
from lamina.layers.convolutional.conv1d import Conv1D
from lamina.layers.convolutional.conv1d import Convolution1D
from lamina.layers.convolutional.conv1d_transpose import Conv1DTranspose
from lamina.layers.convolutional.conv1d_transpose import Convolution1DTranspose
from lamina.layers.convolutional.conv2d import Conv2D
from lamina.layers.convolutional.conv2d import Convolution2D
from lamina.layers.convolutional.conv2d_transpose import Conv2DTranspose
from lamina.layers.convolutional.conv2d_transpose import Convolution2DTranspose
from lamina.layers.convolutional.conv3d import Conv3D
from lamina.layers.convolutional.conv3d import Convolution3D
from lamina.layers.convolutional.conv3d_transpose import Conv3DTranspose
from lamina.layers.convolutional.conv3d_transpose import Convolution3DTranspose
from lamina.layers.convolutional.depthwise_conv1d import DepthwiseConv1D
from lamina.layers.convolutional.depthwise_conv2d import DepthwiseConv2D
from lamina.layers.convolutional.separable_conv1d import SeparableConv1D
from lamina.layers.convolutional.separable_conv1d import SeparableConvolution1D
from lamina.layers.convolutional.separable_conv2d import SeparableConv2D
from lamina.layers.convolutional.separable_conv2d import SeparableConvolution2D
from lamina.layers.core.activation import Activation
from lamina.layers.core.dense import Dense
from lamina.layers.core.einsum_dense import EinsumDense
from lamina.layers.core.embedding import Embedding
from lamina.layers.core.identity import Identity
from lamina.layers.core.lambda_layer import Lambda
from lamina.layers.core.masking import Masking
from lamina.layers.core.torch_module_wrapper import TorchModuleWrapper
from lamina.layers.input_layer import Input
from lamina.layers.input_layer import InputLayer
from lamina.layers.input_spec import InputSpec
from lamina.layers.layer import Layer
from lamina.layers.merging.add import Add
from lamina.layers.merging.add import add
from lamina.layers.merging.average import Average
from lamina.layers.merging.average import average
from lamina.layers.merging.concatenate import Concatenate
from lamina.layers.merging.concatenate import concatenate
from lamina.layers.merging.dot import Dot
from lamina.layers.merging.dot import dot
from lamina.layers.merging.maximum import Maximum
from lamina.layers.merging.maximum import maximum
from lamina.layers.merging.minimum import Minimum
from lamina.layers.merging.minimum import minimum
from lamina.layers.merging.multiply import Multiply
from lamina.layers.merging.multiply import multiply
from lamina.layers.merging.subtract import Subtract
from lamina.layers.merging.subtract import subtract
from lamina.layers.pooling.average_pooling1d import AveragePooling1D
from lamina.layers.pooling.average_pooling1d import AvgPool1D
from lamina.layers.pooling.average_pooling2d import AveragePooling2D
from lamina.layers.pooling.average_pooling2d import AvgPool2D
from lamina.layers.pooling.average_pooling3d import AveragePooling3D
from lamina.layers.pooling.average_pooling3d import AvgPool3D
from lamina.layers.pooling.global_average_pooling1d import GlobalAveragePooling1D
from lamina.layers.pooling.global_average_pooling1d import GlobalAvgPool1D
from lamina.layers.pooling.global_average_pooling2d import GlobalAveragePooling2D
from lamina.layers.pooling.global_average_pooling2d import GlobalAvgPool2D
from lamina.layers.pooling.global_average_pooling3d import GlobalAveragePooling3D
from lamina.layers.pooling.global_average_pooling3d import GlobalAvgPool3D
from lamina.layers.pooling.global_max_pooling1d import GlobalMaxPool1D
from lamina.layers.pooling.global_max_pooling1d import GlobalMaxPooling1D
from lamina.layers.pooling.global_max_pooling2d import GlobalMaxPool2D
from lamina.layers.pooling.global_max_pooling2d import GlobalMaxPooling2D
from lamina.layers.pooling.global_max_pooling3d import GlobalMaxPool3D
from lamina.layers.pooling.global_max_pooling3d import GlobalMaxPooling3D
from lamina.layers.pooling.max_pooling1d import MaxPool1D
from lamina.layers.pooling.max_pooling1d import MaxPooling1D
from lamina.layers.pooling.max_pooling2d import MaxPool2D
from lamina.layers.pooling.max_pooling2d import MaxPooling2D
from lamina.layers.pooling.max_pooling3d import MaxPool3D
from lamina.layers.pooling.max_pooling3d import MaxPooling3D
from lamina.layers.registry import LAYERS
from lamina.layers.regularization.dropout import Dropout
from lamina.layers.reshaping.cropping import Cropping1D
from lamina.layers.reshaping.cropping import Cropping2D
from lamina.layers.reshaping.cropping import Cropping3D
from lamina.layers.reshaping.flatten import Flatten
from lamina.layers.reshaping.permute import Permute
from lamina.layers.reshaping.repeat_vector import RepeatVector
from lamina.layers.reshaping.reshape import Reshape
from lamina.layers.reshaping.up_sampling import UpSampling1D
from lamina.layers.reshaping.up_sampling import UpSampling2D
from lamina.layers.reshaping.up_sampling import UpSampling3D
from lamina.layers.reshaping.zero_padding import ZeroPadding1D
from lamina.layers.reshaping.zero_padding import ZeroPadding2D
from lamina.layers.reshaping.zero_padding import ZeroPadding3D

def serialize(layer):
    from lamina.saving.serialization import serialize_keras_object

    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    return LAYERS.deserialize(config, custom_objects)


def get(identifier):
    return LAYERS.get(identifier)
